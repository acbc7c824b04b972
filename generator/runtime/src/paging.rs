//! Offset pagination as a lazy stream that never passes off a short listing as complete.

use std::collections::HashSet;
use std::future::Future;
use std::hash::{Hash, Hasher};

use futures::stream::{self, Stream};

use super::error::Error;

/// One page as the server answered it.
#[derive(Debug)]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// The total the server reports.
    pub total: i64,
    /// The offset the server says it applied, if it echoes one.
    pub offset: Option<i64>,
    /// The item count the server reports for the page, if any.
    pub count: Option<i64>,
}

/// Streams the items of every page of operation `operation`, from offset `start`, `limit`
/// items a page (the server's default when `None`). `fetch(offset)` gets one page.
///
/// The stream ends after the reported total, or with an [`Error::Paging`] (after which it
/// ends) when the listing cannot be trusted to be complete:
/// - a page comes back empty before the total is reached;
/// - a page does not advance: the offset it echoes is not the one asked for, or its items
///   repeat the previous page's;
/// - a number contradicts the request: a negative total, a count that is not the number of
///   items, more items than the limit.
///
/// A `limit` or `start` that is not positive is an [`Error::InvalidRequest`], before any
/// request is sent.
pub fn paginate<T, B, F, Fut>(
    operation: &'static str,
    start: i64,
    limit: Option<i64>,
    fetch: F,
) -> impl Stream<Item = Result<T, Error<B>>>
where
    T: serde::Serialize,
    F: Fn(i64) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error<B>>>,
{
    paginate_or_once(operation, start, limit, true, move |offset| fetch(offset.unwrap_or(start)))
}

/// [`paginate`] for an operation whose paging parameters only some API revisions have. With
/// `paged`, the same. Without (the client's revision lacks the offset parameter, so there is
/// no way to ask for a second page), `fetch(None)` gets the listing in one request without
/// paging parameters, and the stream yields that page's items and ends; the page is checked
/// as every page is, and a page that carries fewer items than the total it reports ends the
/// stream with an [`Error::Paging`] after its items, never a silently short listing.
/// `fetch(Some(offset))` gets the page at `offset`, as `fetch(offset)` does for [`paginate`].
pub fn paginate_or_once<T, B, F, Fut>(
    operation: &'static str,
    start: i64,
    limit: Option<i64>,
    paged: bool,
    fetch: F,
) -> impl Stream<Item = Result<T, Error<B>>>
where
    T: serde::Serialize,
    F: Fn(Option<i64>) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error<B>>>,
{
    struct State<F> {
        offset: i64,
        done: bool,
        fetch: F,
        /// A fingerprint of every page so far, to tell a page that does not advance.
        seen: HashSet<u64>,
        /// The total the first page reported.
        total: Option<i64>,
    }
    let invalid = if limit.is_some_and(|l| l <= 0) {
        Some(format!("the page size (limit) must be positive, not {}", limit.unwrap_or_default()))
    } else if start < 0 {
        Some(format!("the first offset must not be negative, not {start}"))
    } else {
        None
    };
    let state = State { offset: start, done: false, fetch, seen: HashSet::new(), total: None };
    let pages = stream::unfold((state, invalid), move |(mut st, invalid)| async move {
        if let Some(message) = invalid {
            st.done = true;
            return Some((vec![Err(Error::InvalidRequest { operation, message })], (st, None)));
        }
        if st.done {
            return None;
        }
        let offset = st.offset;
        let page = match (st.fetch)(paged.then_some(offset)).await {
            Ok(page) => page,
            Err(e) => {
                st.done = true;
                return Some((vec![Err(e)], (st, None)));
            }
        };
        let fingerprint = fingerprint(&page.items);
        // Without paging parameters no limit was sent: the server's page size applies.
        match check(&page, offset, limit.filter(|_| paged), st.total, &st.seen, fingerprint) {
            Err(message) => {
                st.done = true;
                Some((vec![Err(Error::Paging { operation, offset, message })], (st, None)))
            }
            Ok(next) if !paged && next < page.total => {
                st.done = true;
                let message = format!(
                    "the server reports {} items but answered {}, and the API revision spoken has no paging parameters to ask for the rest",
                    page.total,
                    next - offset
                );
                let mut out: Vec<_> = page.items.into_iter().map(Ok).collect();
                out.push(Err(Error::Paging { operation, offset, message }));
                Some((out, (st, None)))
            }
            Ok(_) if !paged => {
                st.done = true;
                Some((page.items.into_iter().map(Ok).collect::<Vec<_>>(), (st, None)))
            }
            Ok(next) => {
                st.offset = next;
                st.done = next >= page.total;
                st.total.get_or_insert(page.total);
                st.seen.insert(fingerprint);
                Some((page.items.into_iter().map(Ok).collect::<Vec<_>>(), (st, None)))
            }
        }
    });
    futures::StreamExt::flat_map(pages, stream::iter)
}

/// A hash of a page's items as they serialize (types with floats have no `Eq`).
fn fingerprint<T: serde::Serialize>(items: &[T]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match serde_json::to_vec(items) {
        Ok(bytes) => bytes.hash(&mut h),
        Err(_) => items.len().hash(&mut h),
    }
    h.finish()
}

/// The next offset after `page`, read at `offset`, or why the page cannot be trusted.
fn check<T>(
    page: &Page<T>,
    offset: i64,
    limit: Option<i64>,
    first_total: Option<i64>,
    seen: &HashSet<u64>,
    fingerprint: u64,
) -> Result<i64, String> {
    let len = i64::try_from(page.items.len()).map_err(|_| "the page is too large".to_owned())?;
    if page.total < 0 {
        return Err(format!("the reported total is negative ({})", page.total));
    }
    if let Some(first) = first_total.filter(|t| page.total < *t) {
        return Err(format!("the reported total fell from {first} to {} during the listing", page.total));
    }
    if let Some(echoed) = page.offset {
        if echoed != offset {
            return Err(format!("asked for offset {offset}, the server answered with offset {echoed}"));
        }
    }
    if let Some(count) = page.count {
        if count != len {
            return Err(format!("the page reports {count} items but carries {len}"));
        }
    }
    if let Some(limit) = limit {
        if len > limit {
            return Err(format!("the page carries {len} items, more than the limit of {limit}"));
        }
    }
    if len == 0 && offset < page.total {
        return Err(format!(
            "the page is empty, but the reported total is {}: the listing would be incomplete",
            page.total
        ));
    }
    if len > 0 && seen.contains(&fingerprint) {
        return Err("the page repeats an earlier page: the server does not apply the offset".to_owned());
    }
    offset.checked_add(len).ok_or_else(|| "the offset overflows".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    type E = Error<()>;

    fn page(items: Vec<i32>, total: i64, offset: i64) -> Page<i32> {
        let count = i64::try_from(items.len()).ok();
        Page { items, total, offset: Some(offset), count }
    }

    async fn run(limit: Option<i64>, total: i64, serve: impl Fn(i64) -> Page<i32>) -> Vec<Result<i32, String>> {
        paginate::<i32, (), _, _>("Op", 0, limit, |off| {
            let p = serve(off);
            async move { Ok::<_, E>(p) }
        })
        .map(|r| r.map_err(|e| e.to_string()))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .take(usize::try_from(total).unwrap() + 5)
        .collect()
    }

    fn honest(off: i64) -> Page<i32> {
        let items: Vec<i32> = (i32::try_from(off).unwrap()..25).take(10).collect();
        page(items, 25, off)
    }

    #[tokio::test]
    async fn reads_until_total() {
        let items = run(Some(10), 25, honest).await;
        assert_eq!(items, (0..25).map(Ok).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn an_empty_page_before_the_total_is_an_error() {
        let items =
            run(Some(10), 1000, |off| if off == 0 { page(vec![1, 2], 1000, 0) } else { page(vec![], 1000, off) }).await;
        assert_eq!(items.len(), 3);
        assert!(items[2].as_ref().unwrap_err().contains("empty"), "{items:?}");
    }

    #[tokio::test]
    async fn a_server_that_ignores_the_offset_is_caught() {
        // Echoes the offset asked for, but serves the first page again.
        let items =
            run(Some(2), 100, |off| Page { items: vec![1, 2], total: 100, offset: Some(off), count: Some(2) }).await;
        assert_eq!(items.len(), 3, "{items:?}");
        assert!(items[2].as_ref().unwrap_err().contains("repeats"), "{items:?}");
        // Echoes the offset it applied.
        let items = run(Some(2), 100, |_| page(vec![1, 2], 100, 0)).await;
        assert!(items[2].as_ref().unwrap_err().contains("offset 0"), "{items:?}");
        // Cycles through two pages: caught when the first comes back.
        let items =
            run(
                Some(2),
                100,
                |off| if (off / 2) % 2 == 0 { page(vec![1, 2], 100, off) } else { page(vec![3, 4], 100, off) },
            )
            .await;
        assert_eq!(items.len(), 5, "{items:?}");
        assert!(items[4].as_ref().unwrap_err().contains("repeats"), "{items:?}");
        // A total that shrinks would end the listing early.
        let items = run(Some(2), 100, |off| {
            let first = i32::try_from(off).unwrap();
            page(vec![first, first + 1], if off == 0 { 100 } else { 4 }, off)
        })
        .await;
        assert!(items[2].as_ref().unwrap_err().contains("fell from 100 to 4"), "{items:?}");
    }

    #[tokio::test]
    async fn lying_numbers_are_errors() {
        let items = run(Some(10), 10, |_| Page { items: vec![1], total: -1, offset: None, count: None }).await;
        assert!(items[0].as_ref().unwrap_err().contains("negative"), "{items:?}");
        let items = run(Some(10), 10, |_| Page { items: vec![1], total: 5, offset: None, count: Some(3) }).await;
        assert!(items[0].as_ref().unwrap_err().contains("reports 3"), "{items:?}");
        let items = run(Some(1), 10, |_| Page { items: vec![1, 2], total: 5, offset: None, count: None }).await;
        assert!(items[0].as_ref().unwrap_err().contains("more than the limit"), "{items:?}");
    }

    #[tokio::test]
    async fn a_limit_that_is_not_positive_sends_nothing() {
        for limit in [0, -5] {
            let calls = std::sync::atomic::AtomicU32::new(0);
            let items: Vec<Result<i32, E>> = paginate("Op", 0, Some(limit), |_| {
                calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                async { Ok(page(vec![1], 1, 0)) }
            })
            .collect()
            .await;
            assert!(matches!(items.as_slice(), [Err(Error::InvalidRequest { .. })]));
            assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0);
        }
    }

    #[tokio::test]
    async fn yields_errors_and_stops() {
        let items: Vec<Result<i32, E>> = paginate("Op", 0, None, |off| async move {
            if off == 0 {
                Ok(page(vec![1, 2], 10, 0))
            } else {
                Err(Error::Timeout { operation: "Op" })
            }
        })
        .collect()
        .await;
        assert_eq!(items.len(), 3);
        assert!(matches!(items[2], Err(Error::Timeout { .. })));
    }

    /// A revision without paging parameters: one request without them, its page's items,
    /// and the end; a page short of its reported total is an error after its items, and a
    /// lying count is caught as on any page.
    #[tokio::test]
    async fn without_paging_parameters_one_request_lists_the_page() {
        let unpaged = |served: Page<i32>| {
            let asked = std::sync::Mutex::new(Vec::new());
            let served = std::sync::Mutex::new(Some(served));
            async move {
                let items: Vec<Result<i32, String>> =
                    paginate_or_once::<i32, (), _, _>("Op", 0, Some(2), false, |off| {
                        asked.lock().unwrap().push(off);
                        let page = served.lock().unwrap().take().unwrap_or(Page {
                            items: vec![9],
                            total: 1,
                            offset: None,
                            count: None,
                        });
                        async move { Ok::<_, E>(page) }
                    })
                    .map(|r| r.map_err(|e| e.to_string()))
                    .collect()
                    .await;
                (items, asked.into_inner().unwrap())
            }
        };
        // Three items, more than the limit that was not sent: all of them, from one request.
        let (items, asked) = unpaged(Page { items: vec![1, 2, 3], total: 3, offset: None, count: Some(3) }).await;
        assert_eq!(items, vec![Ok(1), Ok(2), Ok(3)]);
        assert_eq!(asked, vec![None], "one request, without an offset");
        let (items, asked) = unpaged(Page { items: vec![1, 2], total: 5, offset: None, count: None }).await;
        assert_eq!(asked, vec![None]);
        assert_eq!(&items[..2], &[Ok(1), Ok(2)]);
        assert!(items[2].as_ref().unwrap_err().contains("reports 5 items but answered 2"), "{items:?}");
        assert_eq!(items.len(), 3);
        let (items, _) = unpaged(Page { items: vec![1], total: 1, offset: None, count: Some(4) }).await;
        assert!(items[0].as_ref().unwrap_err().contains("reports 4"), "{items:?}");
        // Paged, the same function pages as `paginate` does.
        let pages: Vec<Result<i32, E>> = paginate_or_once("Op", 0, Some(10), true, |off| {
            let page = honest(off.unwrap());
            async move { Ok(page) }
        })
        .collect()
        .await;
        assert_eq!(pages.len(), 25);
    }
}
