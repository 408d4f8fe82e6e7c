//! Word patterns over normalized text. A pattern is one or more words; a word may start and/or
//! end with `*`: `tree*` is a word starting with "tree", `*bord` one ending in "bord",
//! `*laterne*` one containing "laterne", a bare word must be equal. A multi-word pattern
//! matches consecutive words. Matching on words (not substrings) keeps `sign` from matching
//! "signal" and `ice` from matching "police".

use super::rules::RULES;
use crate::domain::text::{digraphs_folded, normalize};

/// The first rule matching `text` (in either of its normalized forms), as (slug, pattern).
pub(super) fn first_match(text: &str) -> Option<(&'static str, &'static str)> {
    let normalized = normalize(text);
    if normalized.is_empty() {
        return None;
    }
    let folded = digraphs_folded(&normalized);
    let plain: Vec<&str> = normalized.split(' ').collect();
    let transliterated: Option<Vec<&str>> = folded.as_deref().map(|f| f.split(' ').collect());
    for (slug, patterns) in RULES {
        for pattern in *patterns {
            let hit = matches(pattern, &plain) || transliterated.as_deref().is_some_and(|w| matches(pattern, w));
            if hit {
                return Some((slug, pattern));
            }
        }
    }
    None
}

/// Whether `pattern` matches consecutive words of `words`.
pub(super) fn matches(pattern: &str, words: &[&str]) -> bool {
    let length = pattern.split(' ').count();
    length <= words.len()
        && words.windows(length).any(|window| window.iter().zip(pattern.split(' ')).all(|(w, p)| word_matches(p, w)))
}

/// One pattern word against one text word.
fn word_matches(pattern: &str, word: &str) -> bool {
    let (open_start, rest) = pattern.strip_prefix('*').map_or((false, pattern), |r| (true, r));
    let (open_end, core) = rest.strip_suffix('*').map_or((false, rest), |c| (true, c));
    match (open_start, open_end) {
        (false, false) => word == core,
        (false, true) => word.starts_with(core),
        (true, false) => word.ends_with(core),
        (true, true) => word.contains(core),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        text.split(' ').collect()
    }

    #[test]
    fn stars_mark_open_word_ends() {
        assert!(matches("sign", &words("stop sign down")));
        assert!(!matches("sign", &words("traffic signal")));
        assert!(matches("tree*", &words("overgrown trees")));
        assert!(!matches("tree*", &words("street")));
        assert!(matches("*bord", &words("verkeersbord scheef")));
        assert!(matches("*laterne*", &words("strassenlaternen aus")));
        assert!(matches("vehiculo* abandonad*", &words("vehiculos abandonados en la calle")));
        assert!(!matches("gat in de weg*", &words("gat in de")));
    }
}
