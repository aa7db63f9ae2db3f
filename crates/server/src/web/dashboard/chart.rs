//! Server-rendered SVG charts: stacked columns (one per day) and horizontal bars. Each is
//! an `<svg role="img">` named by its `<title>`; the page puts the same numbers in a table
//! beside it, so the picture is never the only place a figure is.

use std::fmt::Write as _;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 24.0;
const TOP: f64 = 8.0;

/// One stacked layer: a label, a fill color, and a value per column.
pub struct Series {
    pub label: String,
    pub color: &'static str,
    pub values: Vec<f64>,
}

/// Columns of stacked `series`, labelled `labels` under the axis (thinned out to fit). The
/// axis has four equal steps of at least `min_step` (1 for counts), so that every grid
/// line's label is exact in `format`.
pub fn stacked_columns(
    id: &str,
    title: &str,
    labels: &[String],
    series: &[Series],
    format: fn(f64) -> String,
    min_step: f64,
) -> String {
    let totals: Vec<f64> = (0..labels.len())
        .map(|i| {
            series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let top = GRID_STEPS * grid_step(totals.iter().copied().fold(0.0, f64::max), min_step);
    let plot_h = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT) / labels.len().max(1) as f64;
    let bar = (slot * 0.7).max(1.0);
    let mut svg = open(id, title, HEIGHT);
    for step in 0..=4 {
        let value = top * f64::from(step) / GRID_STEPS;
        let y = TOP + plot_h - plot_h * f64::from(step) / GRID_STEPS;
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{WIDTH}" y1="{y:.1}" y2="{y:.1}" stroke="#d0d7de" stroke-width="1"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11" fill="#57606a">{}</text>"##,
            LEFT - 4.0,
            y + 4.0,
            escape(&format(value))
        );
    }
    let every = labels.len().div_ceil(10).max(1);
    for (i, label) in labels.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut base = TOP + plot_h;
        for s in series {
            let value = s.values.get(i).copied().unwrap_or(0.0);
            if value <= 0.0 || top <= 0.0 {
                continue;
            }
            let h = plot_h * value / top;
            base -= h;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{base:.1}" width="{bar:.1}" height="{h:.1}" fill="{}"><title>{}: {} {}</title></rect>"#,
                s.color,
                escape(label),
                escape(&format(value)),
                escape(&s.label)
            );
        }
        if i % every == 0 {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11" fill="#57606a">{}</text>"##,
                x + bar / 2.0,
                HEIGHT - 6.0,
                escape(label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// One horizontal bar per item, largest first as given.
pub fn bars(id: &str, title: &str, items: &[(String, f64)], color: &'static str) -> String {
    let row = 22.0;
    let height = (row * items.len().max(1) as f64 + 8.0).max(40.0);
    let label_w = 170.0;
    let top = items.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let mut svg = open(id, title, height);
    for (i, (label, value)) in items.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let w = if top > 0.0 {
            (WIDTH - label_w - 60.0) * value / top
        } else {
            0.0
        };
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="12" fill="#1f2328">{}</text><rect x="{label_w}" y="{y:.1}" width="{w:.1}" height="{:.1}" fill="{color}"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#1f2328">{}</text>"##,
            label_w - 6.0,
            y + 14.0,
            escape(&shorten(label, 26)),
            row - 6.0,
            label_w + w + 4.0,
            y + 14.0,
            value
        );
    }
    svg.push_str("</svg>");
    svg
}

fn open(id: &str, title: &str, height: f64) -> String {
    format!(
        r#"<svg class="chart" role="img" aria-labelledby="{id}-title" viewBox="0 0 {WIDTH} {height}" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title>"#,
        escape(title)
    )
}

const GRID_STEPS: f64 = 4.0;

/// The grid's step: 1, 2 or 5 times a power of ten, at least `min_step`, such that four
/// steps reach `max`.
fn grid_step(max: f64, min_step: f64) -> f64 {
    let wanted = (max / GRID_STEPS).max(min_step);
    let power = 10f64.powf(wanted.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|candidate| *candidate >= wanted * (1.0 - 1e-9))
        .unwrap_or(wanted)
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{cut}…")
}

/// Text for SVG markup: the template prints the chart unescaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_steps_are_round() {
        assert_eq!(grid_step(0.0, 1.0), 1.0);
        assert_eq!(grid_step(3.0, 1.0), 1.0);
        assert_eq!(grid_step(4.2, 1.0), 2.0);
        assert_eq!(grid_step(7.0, 1.0), 2.0);
        assert_eq!(grid_step(12.0, 1.0), 5.0);
        assert_eq!(grid_step(0.55, 0.05), 0.2);
    }

    #[test]
    fn labels_are_escaped() {
        let svg = bars("t", "Tags <x>", &[("a<b".into(), 2.0)], "#000");
        assert!(svg.contains("Tags &lt;x&gt;") && svg.contains("a&lt;b"));
        assert!(!svg.contains("a<b"));
    }
}
