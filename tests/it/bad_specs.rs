//! Malformed documents in `tests/fixtures/bad/` fail with a located error and never panic.
//!
//! Each case says at which stage the document must fail (parsing or generating) and the
//! diagnostics expected: most exactly, as the user sees them; a few by file, JSON pointer and a
//! key phrase. A few documents are legal but extreme (huge names, deep nesting); for those the
//! property is that generation neither panics nor overflows the stack.
//!
//! A stack overflow aborts the whole process and cannot be caught, so the extreme documents
//! are each run in a child process (this test binary again, told which case to run through
//! an environment variable), with the 2 MiB stack every test thread, and every thread a
//! program spawns, gets by default.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

use generator::{Diagnostics, Document, Generated, Options};

use crate::support::{self, this_test};

enum Expect {
    /// `Document::parse` fails with exactly these diagnostics (their Display, one per line).
    ParseError(&'static [&'static str]),
    /// Parsing succeeds and `generate` fails with exactly these diagnostics.
    GenerateError(&'static [&'static str]),
    /// `generate` fails and among its diagnostics is an error at exactly this pointer whose
    /// message contains one of the phrases.
    GenerateErrorAt { pointer: &'static str, phrases: &'static [&'static str] },
    /// The document is legal; generation succeeds and the check holds.
    Generates(fn(&Generated)),
}

struct Case {
    file: &'static str,
    expect: Expect,
    /// Run in a child process, because a failure may be a stack overflow.
    own_process: bool,
}

/// Names the single case a child process runs.
const ONLY_CASE: &str = "BAD_SPECS_ONLY_CASE";

const CASES: &[Case] = &[
    Case {
        file: "yaml_syntax.yaml",
        expect: Expect::ParseError(&[
            "error: bad/yaml_syntax.yaml: invalid YAML at line 9 column 1: did not find expected ',' or ']'",
        ]),
        own_process: false,
    },
    Case {
        file: "json_syntax.json",
        expect: Expect::ParseError(&["error: bad/json_syntax.json: invalid JSON at line 4 column 13: key must be a string"]),
        own_process: false,
    },
    Case {
        file: "dangling_ref.yaml",
        expect: Expect::GenerateError(&[
            "error: bad/dangling_ref.yaml#/components/schemas/Pet/properties/owner: reference `#/components/schemas/Owner` does not resolve to anything in this document",
        ]),
        own_process: false,
    },
    Case {
        file: "cyclic_ref.yaml",
        expect: Expect::GenerateError(&["error: bad/cyclic_ref.yaml#/components/schemas/A: `$ref` cycle: A -> B -> A names no type"]),
        own_process: false,
    },
    Case {
        file: "self_ref.yaml",
        expect: Expect::GenerateError(&["error: bad/self_ref.yaml#/components/schemas/A: `$ref` cycle: A -> A names no type"]),
        own_process: false,
    },
    Case {
        file: "external_ref.yaml",
        expect: Expect::GenerateError(&[
            "error: bad/external_ref.yaml#/components/schemas/Pet/properties/owner: reference `common.yaml#/components/schemas/Owner` points outside this document: a URL is never fetched, and another file is read only when the document is loaded from its file",
        ]),
        own_process: false,
    },
    Case {
        file: "properties_not_object.yaml",
        expect: Expect::GenerateErrorAt {
            pointer: "#/components/schemas/Pet/properties",
            phrases: &["must be an object", "expected a map"],
        },
        own_process: false,
    },
    Case {
        file: "required_not_array.yaml",
        expect: Expect::GenerateErrorAt {
            pointer: "#/components/schemas/Pet/required",
            phrases: &["must be an array", "expected a sequence"],
        },
        own_process: false,
    },
    Case {
        file: "paths_array.yaml",
        expect: Expect::GenerateError(&["error: bad/paths_array.yaml#/paths: `paths` must be an object"]),
        own_process: false,
    },
    Case {
        file: "duplicate_operation_id.yaml",
        expect: Expect::GenerateError(&[
            "error: bad/duplicate_operation_id.yaml#/paths/~1b/get/operationId: duplicate operationId `getThing`; first used at #/paths/~1a/get",
        ]),
        own_process: false,
    },
    Case {
        file: "unbalanced_braces.yaml",
        expect: Expect::GenerateError(&[
            "error: bad/unbalanced_braces.yaml#/paths/~1items~1{id: path `/items/{id` has an unbalanced `{`",
        ]),
        own_process: false,
    },
    Case {
        // Real documents do this (a query string in the path with placeholders no parameter
        // declares): the method takes the placeholder as a string, with a warning.
        file: "placeholder_without_param.yaml",
        expect: Expect::Generates(|g| {
            let warnings: Vec<String> = g.warnings.iter().map(ToString::to_string).collect();
            assert_eq!(
                warnings,
                ["warning: bad/placeholder_without_param.yaml#/paths/~1items~1{id}/get: path placeholder `{id}` has no path parameter; generated as a required string argument `id`"]
            );
            assert!(g.items.values().any(|item| item.contains("id: &str")), "{:?}", g.items.keys());
        }),
        own_process: false,
    },
    Case {
        file: "undefined_security_scheme.yaml",
        expect: Expect::GenerateError(&[
            "error: bad/undefined_security_scheme.yaml#/paths/~1pets/get/security/0/apiKeys: security scheme `apiKeys` is not defined in `components/securitySchemes`",
        ]),
        own_process: false,
    },
    Case {
        // Reported once per tag, at its first use.
        file: "undeclared_tag.yaml",
        expect: Expect::Generates(|g| {
            let warnings: Vec<String> = g.warnings.iter().map(ToString::to_string).collect();
            assert_eq!(
                warnings,
                ["warning: bad/undeclared_tag.yaml#/paths/~1pets/get/tags/0: tag `pest` is not declared in the document's `tags`; its cargo feature is named after it all the same"]
            );
        }),
        own_process: false,
    },
    Case {
        file: "long_running_without_parameters.yaml",
        expect: Expect::GenerateError(&[
            "error: bad/long_running_without_parameters.yaml#/paths/~1jobs/post/x-long-running: `GetJob`'s path parameter `jobId` needs a required property `jobId` of `Job` with the same type",
        ]),
        own_process: false,
    },
    Case {
        file: "single_value_not_a_list.yaml",
        expect: Expect::Generates(|g| {
            let warnings: Vec<String> = g.warnings.iter().map(ToString::to_string).collect();
            assert_eq!(
                warnings,
                [
                    "warning: bad/single_value_not_a_list.yaml#/components/schemas/Item/x-single-value-revisions/name: a single-value mark on a value that is not a list is ignored",
                    "warning: bad/single_value_not_a_list.yaml#/paths/~1items/get/parameters/0/x-single-value-revisions: a single-value mark on a value that is not a list is ignored",
                ]
            );
            let op = &g.items["operation_list_items"];
            assert!(op.contains("require_one(\"listItems\", \"kinds\""), "{op}");
            assert!(!op.contains("\"kind\", count"), "{op}");
        }),
        own_process: false,
    },
    Case {
        file: "unknown_response_key.yaml",
        expect: Expect::Generates(|g| {
            let warnings: Vec<String> = g.warnings.iter().map(ToString::to_string).collect();
            assert_eq!(
                warnings,
                ["warning: bad/unknown_response_key.yaml#/paths/~1items/get/responses/999: `999` is not a status code, a range such as `2XX`, or `default`; left out"]
            );
            let op = &g.items["operation_list_items"];
            assert!(op.contains("200..=299"), "{op}");
        }),
        own_process: false,
    },
    Case {
        file: "swagger2.json",
        expect: Expect::ParseError(&[
            "error: bad/swagger2.json#/swagger: swagger 2.0 documents are not supported; convert to OpenAPI 3.0 first",
        ]),
        own_process: false,
    },
    Case {
        file: "openapi4.yaml",
        expect: Expect::ParseError(&[
            "error: bad/openapi4.yaml#/openapi: OpenAPI version 4.0.0 is not supported; expected 3.0.x, 3.1.x or 3.2.x",
        ]),
        own_process: false,
    },
    Case {
        file: "missing_openapi.yaml",
        expect: Expect::ParseError(&[
            "error: bad/missing_openapi.yaml: missing `openapi` version field; is this an OpenAPI document?",
        ]),
        own_process: false,
    },
    Case {
        file: "pagination_missing_param.yaml",
        expect: Expect::GenerateError(&[
            "error: bad/pagination_missing_param.yaml#/paths/~1items/get/x-pagination: `x-pagination` names `skip` and `limit`, which must be optional integer query parameters of the operation",
        ]),
        own_process: false,
    },
    Case {
        // A wait generated from this marker could not compile: an error at the marker.
        file: "long_running_bad_marker.yaml",
        expect: Expect::GenerateError(&[
            "error: bad/long_running_bad_marker.yaml#/paths/~1jobs/post/x-long-running/state: `status` is not a property path of `Job`",
        ]),
        own_process: false,
    },
    Case {
        // A typo in a terminal state would make every wait poll until its deadline.
        file: "long_running_unknown_value.yaml",
        expect: Expect::GenerateError(&[
            "error: bad/long_running_unknown_value.yaml#/paths/~1jobs/post/x-long-running/terminal/0: `Stoped` is not a value of `state` (Running, Stopped)",
        ]),
        own_process: false,
    },
    Case {
        // `Option<String>` cannot be passed where the status operation takes a `&str`.
        file: "long_running_nullable_id.yaml",
        expect: Expect::GenerateError(&[
            "error: bad/long_running_nullable_id.yaml#/paths/~1jobs/post/x-long-running/parameters/jobId: `GetJob`'s path parameter `jobId` needs a required property `id` of `Job` with the same type",
        ]),
        own_process: false,
    },
    Case {
        // A stop operation that is not a name is an error, never taken as "no stop".
        file: "long_running_wrong_kinds.yaml",
        expect: Expect::GenerateError(&[
            "error: bad/long_running_wrong_kinds.yaml#/paths/~1jobs/post/x-long-running/stop-operation: `stop-operation` must be a string",
        ]),
        own_process: false,
    },
    Case {
        // 100 nested objects are 300 levels of YAML, past the parser's recursion limit: a
        // clean error, not a stack overflow.
        file: "deep_objects.yaml",
        expect: Expect::ParseError(&["error: bad/deep_objects.yaml: invalid YAML at line 8 column 1960: recursion limit exceeded"]),
        own_process: true,
    },
    Case {
        // 40 nested objects (120 levels of JSON, below the parser's limit of 128) are legal
        // and generate 40 structs, `Deep`, `DeepP`, `DeepPP`, …
        file: "deep_objects.json",
        expect: Expect::Generates(|g| {
            let mut name = String::from("Deep");
            for _ in 0..40 {
                assert!(g.items.contains_key(&format!("type_{name}")), "no type {name}");
                name.push('P');
            }
            assert!(!g.items.contains_key(&format!("type_{name}")), "the innermost property is a string, not a type");
        }),
        own_process: true,
    },
    Case {
        // 100 nested arrays are legal and generate one 100-deep type.
        file: "deep_arrays.json",
        expect: Expect::Generates(|g| {
            let deep = &g.items["type_Deep"];
            assert_eq!(deep.matches("::std::vec::Vec<").count(), 100, "{deep}");
        }),
        own_process: true,
    },
    Case {
        // A 10,000-character schema name, property name, path and operationId are legal.
        file: "huge_names.json",
        expect: Expect::Generates(|g| {
            let type_name = format!("S{}", "x".repeat(9999));
            assert!(g.items.contains_key(&format!("type_{type_name}")));
            assert!(g.items.contains_key(&format!("operation_{}", "o".repeat(10000))));
            assert!(g.files["types.rs"].contains(&format!("pub {}: ", "f".repeat(10000))));
        }),
        own_process: true,
    },
    Case {
        // Found by the fuzzer: a percent-escape cut short by a multi-byte character made
        // `$ref` decoding slice inside a UTF-8 character and panic.
        file: "ref_bad_percent_escape.yaml",
        expect: Expect::GenerateErrorAt {
            pointer: "#/components/schemas/Pet/properties/owner",
            phrases: &["does not resolve", "percent"],
        },
        own_process: false,
    },
    Case {
        // Found by the fuzzer: an invalid keyword 18 arrays deep. Structural validation
        // backtracks through every nesting level, so its time nearly doubles with each level; the
        // error must come fast and name the keyword itself.
        file: "deep_invalid_schema.json",
        expect: Expect::GenerateErrorAt {
            pointer: "#/components/schemas/Deep/items/items/items/items/items/items/items/items/items/items/items/items/items/items/items/items/items/items/maxLength",
            phrases: &["expected usize", "integer"],
        },
        own_process: true,
    },
];

/// What happened to one document.
enum Outcome {
    ParseFailed(Diagnostics),
    GenerateFailed(Diagnostics),
    Generated(Box<Generated>),
    /// The generator panicked, with this message.
    Panicked(String),
}

/// Parses and generates `bad/{file}`, catching any panic.
fn run(file: &str) -> Outcome {
    let path = crate::support::project::workspace_root().join("tests/fixtures/bad").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let name = format!("bad/{file}");
    let outcome = catch_unwind(AssertUnwindSafe(|| match Document::parse(&name, &text) {
        Err(d) => Outcome::ParseFailed(d),
        Ok(doc) => match generator::generate(&doc, &Options::default()) {
            Err(d) => Outcome::GenerateFailed(d),
            Ok(g) => Outcome::Generated(Box::new(g)),
        },
    }));
    outcome.unwrap_or_else(|panic| {
        let msg = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        Outcome::Panicked(msg.to_owned())
    })
}

/// Runs one case of [`bad_documents_fail_with_located_errors`] in a fresh copy of this test
/// binary, so a stack overflow fails that case instead of aborting every test.
fn run_in_child(file: &str) -> Result<(), String> {
    let out = support::rerun(&this_test!(bad_documents_fail_with_located_errors))
        .env(ONLY_CASE, file)
        // The default stack size, as a program that uses the generator on a thread has it.
        .env_remove("RUST_MIN_STACK")
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.success() && stdout.contains("running 1 test") {
        return Ok(());
    }
    if out.status.success() {
        return Err(format!("the child process ran no test (is the test's name right?):\n{stdout}"));
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("has overflowed its stack") {
        Err(format!("the generator overflowed a 2 MiB stack ({})", out.status))
    } else {
        Err(format!("child process failed ({}):\n{stderr}", out.status))
    }
}

fn lines(d: &Diagnostics) -> Vec<String> {
    d.0.iter().map(ToString::to_string).collect()
}

#[test]
fn bad_documents_fail_with_located_errors() {
    let only = std::env::var(ONLY_CASE).ok();
    let mut failures = Vec::new();
    for case in CASES {
        let file = case.file;
        match &only {
            // In a child process: this one case, in process.
            Some(f) if f != file => continue,
            Some(_) => {}
            None if case.own_process => {
                if let Err(e) = run_in_child(file) {
                    failures.push(format!("{file}: {e}"));
                }
                continue;
            }
            None => {}
        }
        let problem = match (&case.expect, run(file)) {
            (_, Outcome::Panicked(msg)) => Some(format!("the generator panicked instead of reporting an error: {msg}")),
            (Expect::ParseError(want), Outcome::ParseFailed(d)) => {
                (lines(&d) != *want).then(|| format!("parse error {:#?}, want {want:#?}", lines(&d)))
            }
            (Expect::ParseError(want), _) => Some(format!("parsed, but should fail to parse with {want:#?}")),
            (_, Outcome::ParseFailed(d)) => Some(format!("failed to parse: {d}")),
            (Expect::GenerateError(want), Outcome::GenerateFailed(d)) => {
                (lines(&d) != *want).then(|| format!("generate error {:#?}, want {want:#?}", lines(&d)))
            }
            (Expect::GenerateErrorAt { pointer, phrases }, Outcome::GenerateFailed(d)) => {
                let found = d.0.iter().any(|x| {
                    x.severity == generator::Severity::Error
                        && x.pointer == *pointer
                        && phrases.iter().any(|p| x.message.contains(p))
                });
                (!found).then(|| format!("no error at {pointer} containing one of {phrases:?}; got {:#?}", lines(&d)))
            }
            (Expect::GenerateError(_) | Expect::GenerateErrorAt { .. }, Outcome::Generated(g)) => {
                Some(format!("generated ({} items, warnings {:?}) but should fail", g.items.len(), g.warnings))
            }
            (Expect::Generates(check), Outcome::Generated(g)) => catch_unwind(AssertUnwindSafe(|| check(&g)))
                .err()
                .map(|_| "generated output fails its check (see above)".to_owned()),
            (Expect::Generates(_), Outcome::GenerateFailed(d)) => Some(format!("should generate, failed with {d}")),
        };
        if let Some(p) = problem {
            failures.push(format!("{file}: {p}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every error names the file it is in and, unless it is about the whole document, a JSON
/// pointer into it.
#[test]
fn every_error_is_located() {
    // Documents that may overflow the stack are checked by the table test, in a child process.
    for case in CASES.iter().filter(|c| !c.own_process) {
        let d = match run(case.file) {
            Outcome::ParseFailed(d) | Outcome::GenerateFailed(d) => d,
            Outcome::Generated(_) => continue,
            Outcome::Panicked(msg) => panic!("{}: the generator panicked: {msg}", case.file),
        };
        assert!(!d.0.is_empty(), "{}: failed without a diagnostic", case.file);
        for x in &d.0 {
            assert_eq!(x.file, format!("bad/{}", case.file));
            assert!(x.pointer.is_empty() || x.pointer.starts_with("#/"), "{}: pointer {:?}", case.file, x.pointer);
            let whole_document = matches!(case.expect, Expect::ParseError(_));
            assert!(whole_document || !x.pointer.is_empty(), "{}: `{x}` does not say where", case.file);
            assert!(!x.message.ends_with('.'), "messages have no trailing period: `{x}`");
        }
    }
}

/// The table covers every file in `tests/fixtures/bad/` and nothing else.
#[test]
fn every_bad_document_is_in_the_table() {
    let dir = crate::support::project::workspace_root().join("tests/fixtures/bad");
    let on_disk: BTreeSet<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    let in_table: BTreeSet<String> = CASES.iter().map(|c| c.file.to_owned()).collect();
    assert_eq!(on_disk, in_table);
}

/// A curated spec may not loosen anything: what is a warning for an uncurated spec is an
/// error, located the same way.
#[test]
fn warnings_are_errors_for_curated_specs() {
    let file = "tests/fixtures/formats.yaml";
    let text = std::fs::read_to_string(crate::support::project::workspace_root().join(file)).unwrap();
    let doc = Document::parse(file, &text).unwrap();
    let lenient = generator::generate(&doc, &Options::default()).unwrap();
    assert_eq!(lenient.warnings.len(), 1);
    let err = generator::generate(&doc, &crate::support::project::curated_options(file)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: tests/fixtures/formats.yaml#/components/schemas/Values/properties/wobbly/format: unknown string format `wobbly`; using String"
    );
}
