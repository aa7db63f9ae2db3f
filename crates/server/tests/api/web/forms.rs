//! Reading pages' forms as a browser would: the fields a form posts, and the error shown
//! beside a control.

use super::client::Page;

/// The fields a browser would post from the form `form_id`: inputs (checkboxes when
/// ticked), text areas, the selected option of each select; no buttons.
pub fn form_fields(page: &Page, form_id: &str) -> Vec<(String, String)> {
    let body = &page.body;
    let start = body
        .find(&format!("id=\"{form_id}\""))
        .unwrap_or_else(|| panic!("no form {form_id} in {body}"));
    let form = &body[start..start + body[start..].find("</form>").unwrap()];
    let mut fields = Vec::new();
    for (at, _) in form.match_indices('<') {
        let rest = &form[at + 1..];
        let tag = &rest[..rest.find('>').unwrap()];
        let after = &rest[tag.len() + 1..];
        let Some(name) = attr(tag, "name") else {
            continue;
        };
        let value = if tag.starts_with("input ") {
            match attr(tag, "type").unwrap_or("text") {
                "checkbox" if tag.contains(" checked") => "on".to_owned(),
                "checkbox" | "submit" => continue,
                _ => attr(tag, "value").unwrap_or_default().to_owned(),
            }
        } else if tag.starts_with("textarea ") {
            after[..after.find("</textarea>").unwrap()].to_owned()
        } else if tag.starts_with("select ") {
            let options = &after[..after.find("</select>").unwrap()];
            let chosen = options
                .split("<option")
                .skip(1)
                .find(|o| o.contains(" selected"))
                .or_else(|| options.split("<option").nth(1))
                .unwrap();
            let text = &chosen[chosen.find('>').unwrap() + 1..];
            attr(chosen, "value")
                .unwrap_or(&text[..text.find("</option>").unwrap()])
                .to_owned()
        } else {
            continue;
        };
        fields.push((name.to_owned(), unescape(&value)));
    }
    fields
}

fn attr<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    Some(&tag[start..start + tag[start..].find('"')?])
}

pub fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("&#") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find(';').unwrap() + at;
        let code: u32 = rest[at + 2..end].parse().unwrap();
        out.push(char::from_u32(code).unwrap());
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The error shown beside the control `id`, which points at it.
pub fn error_beside(page: &Page, id: &str) -> String {
    assert!(
        page.body.contains(&format!(
            "aria-invalid=\"true\" aria-describedby=\"{id}-error\""
        )),
        "{id} is not marked invalid in {}",
        page.body
    );
    let marker = format!("<p class=\"field-error\" id=\"{id}-error\">");
    let start = page.body.find(&marker).expect("an error paragraph") + marker.len();
    unescape(&page.body[start..start + page.body[start..].find("</p>").unwrap()])
}
