//! NEP-148 metadata: what wallets show for sNEAR.

use near_contract_standards::fungible_token::metadata::{FungibleTokenMetadata, FT_METADATA_SPEC};

/// sNEAR has the decimals of NEAR: one sNEAR is 10^24 shares, and at price 1
/// one share is one yoctoNEAR.
pub const DECIMALS: u8 = 24;

/// A teal "s." on a navy disc, as an SVG data URL (NEP-148 asks for one, so
/// the icon shows without fetching anything).
pub const ICON: &str = concat!(
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 64 64'%3E%3Ccirc",
    "le cx='32' cy='32' r='32' fill='%230b1d3a'/%3E%3Cpath d='M43 21c-2.5-2.7-6.4-4-10.6-4-6.6 ",
    "0-11.4 3.4-11.4 8.3 0 10.4 22 5.6 22 15.4 0 4.9-4.8 8.3-11.6 8.3-4.5 0-8.6-1.6-11.4-4.6' f",
    "ill='none' stroke='%235ef2c2' stroke-width='6' stroke-linecap='round'/%3E%3Ccircle cx='48'",
    " cy='48' r='5' fill='%23ffffff'/%3E%3C/svg%3E"
);

/// sNEAR's metadata. Fixed in code rather than stored: it never changes
/// (there is no admin), and `ft_metadata` then reads no storage.
pub fn default_metadata() -> FungibleTokenMetadata {
    FungibleTokenMetadata {
        spec: FT_METADATA_SPEC.to_string(),
        name: "Staked NEAR (meta pool)".to_string(),
        symbol: "sNEAR".to_string(),
        icon: Some(ICON.to_string()),
        reference: None,
        reference_hash: None,
        decimals: DECIMALS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meta_common::pool_state::ONE_SHARE_TOKEN;

    #[test]
    fn metadata_follows_nep148() {
        let m = default_metadata();
        assert_eq!(m.spec, FT_METADATA_SPEC);
        assert_eq!((m.symbol.as_str(), m.decimals), ("sNEAR", 24));
        assert_eq!(m.decimals as u32, ONE_SHARE_TOKEN.ilog10());
        assert!(m.reference.is_none() && m.reference_hash.is_none());
    }

    #[test]
    fn icon_is_a_url_safe_svg_data_url() {
        let body = ICON.strip_prefix("data:image/svg+xml,").unwrap();
        assert!(body.starts_with("%3Csvg") && body.ends_with("%3C/svg%3E"));
        for c in ['<', '>', '#', '"'] {
            assert!(!body.contains(c), "raw {c:?} in the icon URL");
        }
    }
}
