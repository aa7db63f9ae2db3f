//! What the settings forms share. Each control is named by the API's JSON path of what it
//! holds (`name`, `hooks[0].url`, `extract_with_ai[1].type`), so a `422`'s field errors
//! find their control by name, and a page test or a browser script can address the same
//! field the API documents. Repeatable rows are renumbered before anything reads them:
//! the rows with something typed come first, in order, so that the API's `hooks[i]` is the
//! form's row `i`.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use switchyard_service::{FieldError, ServiceError};

/// The fields of a posted form (or of a stored object, laid out as the form would post
/// it), keyed by control name. A checkbox is present, as `on`, only when ticked.
pub type Posted = BTreeMap<String, String>;

/// The button that adds a row (`name="add" value="hooks"`) rather than saving.
pub const ADD_ROW: &str = "add";

/// `?done=...` after a save's redirect: which confirmation the page shows.
#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

impl Done {
    /// `what` names the object: "Agent saved."
    pub fn notice(&self, what: &str) -> Option<String> {
        let verb = match self.done.as_deref()? {
            "created" => "created",
            "saved" => "saved",
            "deleted" => "deleted",
            _ => return None,
        };
        Some(format!("{what} {verb}."))
    }
}

/// One form control, with what the API said about it.
pub struct Field {
    pub name: String,
    pub id: String,
    pub value: String,
    pub error: Option<String>,
}

impl Field {
    pub fn checked(&self) -> bool {
        !self.value.is_empty()
    }

    pub fn is(&self, value: impl AsRef<str>) -> bool {
        self.value == value.as_ref()
    }
}

/// An error for the summary at the top of the form; `target` is the id of the control
/// showing it, when one does.
pub struct Problem {
    pub text: String,
    pub target: Option<String>,
}

/// Hands out the form's controls, each with the errors at or under its path; errors no
/// control claims are shown in the summary only.
pub struct Controls<'a> {
    posted: &'a Posted,
    errors: &'a [FieldError],
    /// Per error, the id of the control that shows it.
    owners: RefCell<Vec<Option<String>>>,
}

impl<'a> Controls<'a> {
    pub fn new(posted: &'a Posted, errors: &'a [FieldError]) -> Controls<'a> {
        Controls {
            posted,
            errors,
            owners: RefCell::new(vec![None; errors.len()]),
        }
    }

    pub fn field(&self, name: &str) -> Field {
        let id = control_id(name);
        let mut messages = Vec::new();
        let mut owners = self.owners.borrow_mut();
        for (error, owner) in self.errors.iter().zip(owners.iter_mut()) {
            if let Some(rest) = under(&error.field, name) {
                messages.push(describe(rest, &error.message));
                *owner = Some(id.clone());
            }
        }
        Field {
            name: name.to_owned(),
            value: self.posted.get(name).cloned().unwrap_or_default(),
            error: (!messages.is_empty()).then(|| messages.join("; ")),
            id,
        }
    }

    /// Every error, linked to its control; call after the controls are made.
    pub fn summary(&self) -> Vec<Problem> {
        self.errors
            .iter()
            .zip(self.owners.borrow().iter())
            .map(|(error, owner)| Problem {
                text: format!("{}: {}", error.field, error.message),
                target: owner.clone(),
            })
            .collect()
    }
}

/// `hooks[0].url` as an HTML id: `f-hooks-0-url`.
fn control_id(name: &str) -> String {
    let mut id = String::from("f-");
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            id.push(c);
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    id.trim_end_matches('-').to_owned()
}

/// What is left of `path` below `name`, if `path` is `name` or inside it.
fn under<'p>(path: &'p str, name: &str) -> Option<&'p str> {
    let rest = path.strip_prefix(name)?;
    (rest.is_empty() || rest.starts_with('.') || rest.starts_with('[')).then_some(rest)
}

/// A message for a control that holds a list (`[2].key`: the third line's key) or a
/// map (`.en-US`), saying which entry it is about.
fn describe(rest: &str, message: &str) -> String {
    if rest.is_empty() {
        return message.to_owned();
    }
    let mut place = rest.trim_start_matches('.').to_owned();
    if let Some(index) = rest
        .strip_prefix('[')
        .and_then(|r| r.split(']').next())
        .and_then(|n| n.parse::<usize>().ok())
    {
        let tail = rest.split_once(']').map_or("", |(_, t)| t);
        place = format!("item {}{}", index + 1, tail.replace('.', " "));
    }
    format!("{place}: {message}")
}

/// The field errors of a refusal that has them; other refusals are not the form's.
pub fn field_errors(error: ServiceError) -> Result<Vec<FieldError>, ServiceError> {
    match error {
        ServiceError::Invalid { errors, .. } => Ok(errors),
        other => Err(other),
    }
}

/// How many rows a repeatable group shows, and how many of them hold something.
#[derive(Clone, Copy)]
pub struct Rows {
    pub filled: usize,
    pub shown: usize,
}

impl Rows {
    pub fn indices(self) -> std::ops::Range<usize> {
        0..self.shown
    }
}

/// Renumbers the rows of `list` (`{list}[{i}].{part}`): the filled ones first, in order,
/// then blank ones: one spare at least, `min_rows` in all, and one more when `add` asks.
pub fn compact(posted: &mut Posted, list: &str, min_rows: usize, add: bool) -> Rows {
    let prefix = format!("{list}[");
    let keys: Vec<String> = posted
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, _)| k.clone())
        .collect();
    let mut rows: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
    for key in keys {
        let value = posted.remove(&key).unwrap_or_default();
        let Some((index, part)) = key[prefix.len()..].split_once("].") else {
            continue;
        };
        if let Ok(index) = index.parse::<usize>() {
            rows.entry(index)
                .or_default()
                .push((part.to_owned(), value));
        }
    }
    let present: BTreeSet<usize> = rows.keys().copied().collect();
    let mut filled = 0;
    for parts in rows.into_values() {
        if parts.iter().all(|(_, value)| value.trim().is_empty()) {
            continue;
        }
        for (part, value) in parts {
            posted.insert(format!("{list}[{filled}].{part}"), value);
        }
        filled += 1;
    }
    let shown = (filled + 1).max(min_rows).max(present.len()) + usize::from(add);
    Rows { filled, shown }
}

/// The text of a field, trimmed; `None` when blank.
pub fn given(posted: &Posted, name: &str) -> Option<String> {
    posted
        .get(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A ticked checkbox.
pub fn ticked(posted: &Posted, name: &str) -> bool {
    posted.get(name).is_some_and(|v| !v.is_empty())
}

/// The non-blank lines of a text area.
pub fn lines(posted: &Posted, name: &str) -> Vec<String> {
    posted
        .get(name)
        .map(|text| {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A checkbox as `Posted` holds it.
pub fn tick(posted: &mut Posted, name: &str, on: bool) {
    if on {
        posted.insert(name.to_owned(), "on".to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_find_the_control_that_holds_their_path() {
        let errors = vec![
            FieldError::new("hooks[0].url", "bad"),
            FieldError::new("hooks[0].headers[2].key", "not a name"),
            FieldError::new("hooks", "too many"),
        ];
        let posted = Posted::new();
        let controls = Controls::new(&posted, &errors);
        assert_eq!(controls.field("hooks[0].url").error.as_deref(), Some("bad"));
        assert_eq!(
            controls.field("hooks[0].headers").error.as_deref(),
            Some("item 3 key: not a name")
        );
        assert!(controls.field("hooks[0].u").error.is_none());
        let summary = controls.summary();
        assert_eq!(summary[0].target.as_deref(), Some("f-hooks-0-url"));
        assert_eq!(summary[2].target, None);
    }

    #[test]
    fn blank_rows_drop_out_and_leave_spares() {
        let mut posted: Posted = [
            ("tags[0].name", ""),
            ("tags[1].name", "hot"),
            ("tags[1].description", "keen"),
            ("tags[2].name", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let rows = compact(&mut posted, "tags", 2, true);
        assert_eq!((rows.filled, rows.shown), (1, 4));
        assert_eq!(posted["tags[0].name"], "hot");
        assert_eq!(posted.len(), 2);
    }
}
