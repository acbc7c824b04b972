//! Offset pagination as a lazy stream.

use std::future::Future;

use futures::stream::{self, Stream};

/// Streams the items of every page. `fetch(offset)` returns a page's items and the total
/// the server reports. Stops when the total is reached, when a page is empty (a server that
/// miscounts cannot cause an endless loop), or after the first error, which is yielded.
pub fn paginate<T, E, F, Fut>(start: i64, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    F: Fn(i64) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, i64), E>>,
{
    struct State<F> {
        offset: i64,
        done: bool,
        fetch: F,
    }
    let pages = stream::unfold(State { offset: start, done: false, fetch }, |mut st| async move {
        if st.done {
            return None;
        }
        match (st.fetch)(st.offset).await {
            Ok((items, total)) => {
                st.offset += items.len() as i64;
                if items.is_empty() || st.offset >= total {
                    st.done = true;
                }
                Some((items.into_iter().map(Ok).collect::<Vec<_>>(), st))
            }
            Err(e) => {
                st.done = true;
                Some((vec![Err(e)], st))
            }
        }
    });
    futures::StreamExt::flat_map(pages, stream::iter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    #[tokio::test]
    async fn reads_until_total() {
        let data: Vec<i32> = (0..25).collect();
        let items: Vec<i32> = paginate(0, |off| {
            let page: Vec<i32> = data.iter().skip(off as usize).take(10).copied().collect();
            async move { Ok::<_, ()>((page, 25)) }
        })
        .map(|r| r.unwrap())
        .collect()
        .await;
        assert_eq!(items, data);
    }

    #[tokio::test]
    async fn stops_on_empty_page_even_if_total_lies() {
        let calls = std::sync::atomic::AtomicU32::new(0);
        let items: Vec<Result<i32, ()>> = paginate(0, |_| {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { Ok((Vec::new(), 1_000_000)) }
        })
        .collect()
        .await;
        assert!(items.is_empty());
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn yields_errors_and_stops() {
        let items: Vec<Result<i32, &str>> = paginate(0, |off| async move { if off == 0 { Ok((vec![1, 2], 10)) } else { Err("boom") } }).collect().await;
        assert_eq!(items, vec![Ok(1), Ok(2), Err("boom")]);
    }
}
