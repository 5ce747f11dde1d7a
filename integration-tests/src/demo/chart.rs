//! The demo's chart, as a self-contained SVG written by hand (no plotting
//! dependency): three panels over the epochs of the run.
//!
//! 1. The router's stake by validator (stacked, NEAR), with what the caps
//!    left unplaced on top.
//! 2. The network's stake by validator (stacked shares): the large outside
//!    validators one by one, the small ones together, the router's pools.
//! 3. The Nakamoto coefficient with the router and in the two
//!    counterfactuals without it.
//!
//! Vertical markers show the DAO's steps (proposal, execution).

use std::fmt::Write;

/// A stacked band: one value per epoch.
#[derive(Clone, Debug)]
pub struct Band {
    pub label: String,
    pub color: String,
    pub values: Vec<f64>,
}

/// A line: one value per epoch.
#[derive(Clone, Debug)]
pub struct Line {
    pub label: String,
    pub color: String,
    pub dashed: bool,
    pub values: Vec<f64>,
}

/// Everything the chart shows.
#[derive(Clone, Debug, Default)]
pub struct ChartData {
    pub title: String,
    pub subtitle: String,
    /// The x values (demo epochs), ascending.
    pub epochs: Vec<u64>,
    /// Panel 1, NEAR.
    pub router: Vec<Band>,
    /// Panel 2, shares of the network (they sum to 1 per epoch).
    pub network: Vec<Band>,
    /// Panel 3.
    pub nakamoto: Vec<Line>,
    /// `(epoch, label)` drawn across every panel.
    pub markers: Vec<(u64, String)>,
}

const WIDTH: f64 = 1_200.0;
const LEFT: f64 = 80.0;
const PLOT_RIGHT: f64 = 820.0;
const LEGEND_X: f64 = 845.0;

struct Panel {
    top: f64,
    bottom: f64,
}

/// The chart as an SVG document.
pub fn render(d: &ChartData) -> String {
    let panels = [
        Panel {
            top: 80.0,
            bottom: 330.0,
        },
        Panel {
            top: 400.0,
            bottom: 650.0,
        },
        Panel {
            top: 720.0,
            bottom: 860.0,
        },
    ];
    let height = 920.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">
<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>
<text x="{LEFT}" y="28" font-size="18" font-weight="bold">{}</text>
<text x="{LEFT}" y="50" fill="#555555">{}</text>"##,
        escape(&d.title),
        escape(&d.subtitle)
    );
    let (x0, x1) = match (d.epochs.first(), d.epochs.last()) {
        (Some(a), Some(b)) if b > a => (*a as f64, *b as f64),
        (Some(a), _) => (*a as f64, *a as f64 + 1.0),
        _ => (0.0, 1.0),
    };
    let xs: Vec<f64> = d
        .epochs
        .iter()
        .map(|e| LEFT + (*e as f64 - x0) / (x1 - x0) * (PLOT_RIGHT - LEFT))
        .collect();

    // Panel 1: the router's stake, NEAR.
    let p = &panels[0];
    let max1 = stack_max(&d.router);
    let ticks1 = nice_ticks(max1);
    let top1 = *ticks1.last().unwrap_or(&1.0);
    frame(
        &mut s,
        p,
        "The router's stake by validator (NEAR)",
        &ticks1,
        top1,
        format_near,
    );
    stacked(&mut s, p, &xs, &d.router, top1);
    legend(
        &mut s,
        p.top,
        d.router.iter().map(|b| (&b.label, &b.color, false)),
    );

    // Panel 2: the network's shares.
    let p = &panels[1];
    let ticks2 = vec![0.0, 0.25, 0.5, 0.75, 1.0];
    frame(
        &mut s,
        p,
        "The network's stake by validator (share)",
        &ticks2,
        1.0,
        |v| format!("{:.0}%", v * 100.0),
    );
    stacked(&mut s, p, &xs, &d.network, 1.0);
    // The third of the stake that can halt finality.
    let y = p.bottom - (p.bottom - p.top) / 3.0;
    let _ = writeln!(
        s,
        r##"<line x1="{LEFT}" y1="{y:.1}" x2="{PLOT_RIGHT}" y2="{y:.1}" stroke="#000000" stroke-dasharray="6 4"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#000000">1/3</text>"##,
        PLOT_RIGHT - 4.0,
        y - 4.0
    );
    legend(
        &mut s,
        p.top,
        d.network.iter().map(|b| (&b.label, &b.color, false)),
    );

    // Panel 3: Nakamoto coefficients.
    let p = &panels[2];
    let max3 = d
        .nakamoto
        .iter()
        .flat_map(|l| l.values.iter().copied())
        .fold(1.0f64, f64::max);
    let top3 = max3.ceil() + 1.0;
    let ticks3: Vec<f64> = (0..=top3 as u64).map(|v| v as f64).collect();
    frame(&mut s, p, "Nakamoto coefficient", &ticks3, top3, |v| {
        format!("{v:.0}")
    });
    for (k, l) in d.nakamoto.iter().enumerate() {
        // Lines that coincide stay visible: each is drawn 2 px apart.
        let nudge = 2.0 * k as f64 - (d.nakamoto.len() as f64 - 1.0);
        let pts: Vec<String> = xs
            .iter()
            .zip(&l.values)
            .map(|(x, v)| format!("{x:.1},{:.1}", scale(p, *v, top3) + nudge))
            .collect();
        let dash = if l.dashed {
            r#" stroke-dasharray="5 3""#
        } else {
            ""
        };
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{dash}/>"#,
            pts.join(" "),
            l.color
        );
    }
    legend(
        &mut s,
        p.top,
        d.nakamoto.iter().map(|l| (&l.label, &l.color, l.dashed)),
    );

    // Markers across all panels, and the x axis labels under each panel.
    for (e, label) in &d.markers {
        let x = LEFT + (*e as f64 - x0) / (x1 - x0) * (PLOT_RIGHT - LEFT);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#d62728" stroke-width="1.5"/><text x="{:.1}" y="{:.1}" fill="#d62728">{}</text>"##,
            panels[0].top,
            panels[2].bottom,
            x + 4.0,
            panels[0].top + 14.0,
            escape(label)
        );
    }
    let step = ((x1 - x0) / 10.0).ceil().max(1.0) as u64;
    for p in &panels {
        for e in d
            .epochs
            .iter()
            .filter(|e| (**e - x0 as u64).is_multiple_of(step))
        {
            let x = LEFT + (*e as f64 - x0) / (x1 - x0) * (PLOT_RIGHT - LEFT);
            let _ = writeln!(
                s,
                r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{e}</text>"#,
                p.bottom + 16.0
            );
        }
    }
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#555555">epoch of the run</text>"##,
        (LEFT + PLOT_RIGHT) / 2.0,
        panels[2].bottom + 34.0
    );
    s.push_str("</svg>\n");
    s
}

fn scale(p: &Panel, v: f64, top: f64) -> f64 {
    p.bottom - (v / top).clamp(0.0, 1.0) * (p.bottom - p.top)
}

fn stack_max(bands: &[Band]) -> f64 {
    let n = bands.iter().map(|b| b.values.len()).max().unwrap_or(0);
    (0..n)
        .map(|i| {
            bands
                .iter()
                .map(|b| b.values.get(i).copied().unwrap_or(0.0))
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

fn frame(
    s: &mut String,
    p: &Panel,
    title: &str,
    ticks: &[f64],
    top: f64,
    fmt: impl Fn(f64) -> String,
) {
    let _ = writeln!(
        s,
        r##"<text x="{LEFT}" y="{:.1}" font-size="14" font-weight="bold">{}</text>
<rect x="{LEFT}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#fafafa" stroke="#999999"/>"##,
        p.top - 10.0,
        escape(title),
        p.top,
        PLOT_RIGHT - LEFT,
        p.bottom - p.top
    );
    for t in ticks {
        let y = scale(p, *t, top);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{PLOT_RIGHT}" y2="{y:.1}" stroke="#e0e0e0"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT - 6.0,
            y + 4.0,
            escape(&fmt(*t))
        );
    }
}

fn stacked(s: &mut String, p: &Panel, xs: &[f64], bands: &[Band], top: f64) {
    let mut base = vec![0.0f64; xs.len()];
    for b in bands {
        let upper: Vec<f64> = base
            .iter()
            .enumerate()
            .map(|(i, v)| v + b.values.get(i).copied().unwrap_or(0.0).max(0.0))
            .collect();
        if upper.iter().zip(&base).all(|(u, l)| u <= l) {
            continue;
        }
        let mut pts: Vec<String> = xs
            .iter()
            .zip(&upper)
            .map(|(x, v)| format!("{x:.1},{:.1}", scale(p, *v, top)))
            .collect();
        pts.extend(
            xs.iter()
                .zip(&base)
                .rev()
                .map(|(x, v)| format!("{x:.1},{:.1}", scale(p, *v, top))),
        );
        let _ = writeln!(
            s,
            r##"<polygon points="{}" fill="{}" stroke="#ffffff" stroke-width="0.5"><title>{}</title></polygon>"##,
            pts.join(" "),
            b.color,
            escape(&b.label)
        );
        base = upper;
    }
}

fn legend<'a>(
    s: &mut String,
    top: f64,
    items: impl Iterator<Item = (&'a String, &'a String, bool)>,
) {
    let items: Vec<_> = items.collect();
    // Long legends go in two columns.
    let per_col = if items.len() > 16 {
        items.len().div_ceil(2)
    } else {
        items.len()
    };
    let row_h = if per_col > 12 {
        250.0 / per_col as f64
    } else {
        16.0
    };
    for (k, (label, color, dashed)) in items.into_iter().enumerate() {
        let col = (k / per_col.max(1)) as f64;
        let row = (k % per_col.max(1)) as f64;
        let x = LEGEND_X + col * 175.0;
        let y = top + 4.0 + row * row_h;
        let dash = if dashed {
            r#" stroke-dasharray="5 3""#
        } else {
            ""
        };
        let _ = writeln!(
            s,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{color}" stroke-width="8"{dash}/><text x="{:.1}" y="{:.1}" font-size="11">{}</text>"#,
            y + 5.0,
            x + 18.0,
            y + 5.0,
            x + 24.0,
            y + 9.0,
            escape(label)
        );
    }
}

/// Tick values from 0 to a round number at or above `max`: steps of 1, 2
/// or 5 times a power of ten, four to eight of them.
pub fn nice_ticks(max: f64) -> Vec<f64> {
    if max.is_nan() || max <= 0.0 || !max.is_finite() {
        return vec![0.0, 1.0];
    }
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let n = (max / step).ceil() as usize;
    (0..=n).map(|k| k as f64 * step).collect()
}

fn format_near(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// Text escaped for XML content and attribute values.
pub fn escape(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A color from hue (degrees), saturation and lightness (0..1), as
/// `#rrggbb`: plain SVG 1.1 colors, which every viewer reads.
pub fn hsl(h: f64, s: f64, l: f64) -> String {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = (h.rem_euclid(360.0)) / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let to = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", to(r), to(g), to(b))
}

/// Checks that `doc` is a well-formed XML document with an `<svg>` root in
/// the SVG namespace: every tag closed in order, attributes quoted, text
/// and attribute values free of raw `<` and of `&` outside an entity. For
/// the tests of the chart (no XML dependency needed for this much).
pub fn check_well_formed_svg(doc: &str) -> Result<(), String> {
    let mut rest = doc.trim_start();
    if let Some(r) = rest.strip_prefix("<?xml") {
        let end = r.find("?>").ok_or("unterminated XML declaration")?;
        rest = &r[end + 2..];
    }
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut saw_root_svg = false;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            check_text(rest)?;
            if !rest.trim().is_empty() {
                return Err("text after the root element".into());
            }
            break;
        };
        let text = &rest[..lt];
        check_text(text)?;
        if stack.is_empty() && !text.trim().is_empty() {
            return Err(format!("text outside the root: {:?}", text.trim()));
        }
        rest = &rest[lt..];
        if let Some(r) = rest.strip_prefix("<!--") {
            let end = r.find("-->").ok_or("unterminated comment")?;
            rest = &r[end + 3..];
            continue;
        }
        let gt = rest.find('>').ok_or("unterminated tag")?;
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .ok_or_else(|| format!("</{name}> closes nothing"))?;
            if open != name.trim() {
                return Err(format!("</{}> closes <{open}>", name.trim()));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
        let name = &body[..name_end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':')
        {
            return Err(format!("bad tag name in <{tag}>"));
        }
        check_attributes(&body[name_end..])?;
        if stack.is_empty() {
            roots += 1;
            if name == "svg" && body.contains(r#"xmlns="http://www.w3.org/2000/svg""#) {
                saw_root_svg = true;
            }
        }
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> is never closed"));
    }
    if roots != 1 || !saw_root_svg {
        return Err("the document is not one <svg> root in the SVG namespace".into());
    }
    Ok(())
}

fn check_text(t: &str) -> Result<(), String> {
    let mut rest = t;
    while let Some(amp) = rest.find('&') {
        let r = &rest[amp + 1..];
        let semi = r.find(';').ok_or("a bare & in text")?;
        let entity = &r[..semi];
        let ok = matches!(entity, "amp" | "lt" | "gt" | "quot" | "apos")
            || (entity.starts_with('#') && entity.len() > 1);
        if !ok {
            return Err(format!("unknown entity &{entity};"));
        }
        rest = &r[semi + 1..];
    }
    if t.contains('<') {
        return Err("a raw < in text".into());
    }
    Ok(())
}

fn check_attributes(mut a: &str) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    loop {
        a = a.trim_start();
        if a.is_empty() {
            return Ok(());
        }
        let eq = a
            .find('=')
            .ok_or_else(|| format!("attribute without a value: {a:?}"))?;
        let name = a[..eq].trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!("bad attribute name {name:?}"));
        }
        if !seen.insert(name.to_string()) {
            return Err(format!("attribute {name} given twice"));
        }
        let r = a[eq + 1..].trim_start();
        let q = r.chars().next().ok_or("attribute value missing")?;
        if q != '"' && q != '\'' {
            return Err(format!("unquoted value of {name}"));
        }
        let end = r[1..].find(q).ok_or("unterminated attribute value")?;
        check_text(&r[1..1 + end])?;
        a = &r[end + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ChartData {
        ChartData {
            title: "Stake <distribution> & \"caps\"".into(),
            subtitle: "seed 1".into(),
            epochs: (0..=5).collect(),
            router: vec![
                Band {
                    label: "v0.pool.near".into(),
                    color: hsl(140.0, 0.5, 0.4),
                    values: vec![0.0, 10.0, 20.0, 30.0, 30.0, 35.0],
                },
                Band {
                    label: "unplaced".into(),
                    color: "#bbbbbb".into(),
                    values: vec![0.0, 5.0, 0.0, 0.0, 2.0, 0.0],
                },
            ],
            network: vec![
                Band {
                    label: "big1".into(),
                    color: hsl(20.0, 0.6, 0.5),
                    values: vec![0.6; 6],
                },
                Band {
                    label: "pools".into(),
                    color: hsl(140.0, 0.5, 0.5),
                    values: vec![0.4; 6],
                },
            ],
            nakamoto: vec![Line {
                label: "with".into(),
                color: "#000000".into(),
                dashed: false,
                values: vec![2.0, 2.0, 3.0, 3.0, 3.0, 3.0],
            }],
            markers: vec![(2, "DAO: proposal".into())],
        }
    }

    #[test]
    fn the_chart_is_well_formed_svg_with_every_series() {
        let svg = render(&sample());
        check_well_formed_svg(&svg).unwrap();
        assert!(svg.contains("Stake &lt;distribution&gt; &amp; &quot;caps&quot;"));
        assert!(svg.contains("<title>v0.pool.near</title>"));
        assert!(svg.contains("DAO: proposal"));
        assert_eq!(
            svg.matches("<polygon").count(),
            4,
            "two bands in two panels"
        );
        assert_eq!(svg.matches("<polyline").count(), 1);
    }

    #[test]
    fn an_empty_chart_still_renders() {
        let svg = render(&ChartData::default());
        check_well_formed_svg(&svg).unwrap();
    }

    #[test]
    fn the_checker_rejects_what_is_not_well_formed() {
        let ns = r#"xmlns="http://www.w3.org/2000/svg""#;
        assert!(check_well_formed_svg(&format!("<svg {ns}></svg>")).is_ok());
        assert!(check_well_formed_svg(&format!("<svg {ns}><g></svg>")).is_err());
        assert!(check_well_formed_svg(&format!("<svg {ns}><g></h></g></svg>")).is_err());
        assert!(check_well_formed_svg(&format!("<svg {ns}>a & b</svg>")).is_err());
        assert!(check_well_formed_svg(&format!("<svg {ns}><text x=1/></svg>")).is_err());
        assert!(check_well_formed_svg(&format!(r#"<svg {ns} a="1" a="2"></svg>"#)).is_err());
        assert!(
            check_well_formed_svg("<svg></svg>").is_err(),
            "no namespace"
        );
        assert!(check_well_formed_svg(&format!("<svg {ns}/><svg {ns}/>")).is_err());
        assert!(check_well_formed_svg(&format!("<svg {ns}></svg>trailing")).is_err());
    }

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        assert_eq!(nice_ticks(0.0), vec![0.0, 1.0]);
        assert_eq!(nice_ticks(10.0), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        let t = nice_ticks(383_000.0);
        assert_eq!(t.last(), Some(&400_000.0));
        assert!(t.len() >= 4 && t.len() <= 9, "{t:?}");
        let t = nice_ticks(7.3);
        assert!(*t.last().unwrap() >= 7.3);
    }

    #[test]
    fn hsl_gives_the_primary_colors() {
        assert_eq!(hsl(0.0, 1.0, 0.5), "#ff0000");
        assert_eq!(hsl(120.0, 1.0, 0.5), "#00ff00");
        assert_eq!(hsl(240.0, 1.0, 0.5), "#0000ff");
        assert_eq!(hsl(0.0, 0.0, 1.0), "#ffffff");
    }
}
