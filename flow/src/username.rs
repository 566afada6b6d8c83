/// Usernames are stored lowercased with every space removed; a login must send the same form.
pub fn normalize_username(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_and_drops_spaces() {
        assert_eq!(
            normalize_username("  Joe Doe@Example.COM "),
            "joedoe@example.com"
        );
    }
}
