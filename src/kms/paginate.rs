//! Paginators over the `List*` operations that page with `Marker` /
//! `NextMarker` / `Truncated`: ListKeys, ListAliases, ListGrants,
//! ListKeyPolicies, ListResourceTags, ListRetirableGrants, ListKeyRotations
//! and DescribeCustomKeyStores (botocore's paginators for KMS).
//!
//! A [`Paginator`] sends the request, then keeps sending it with `Marker` set
//! to the previous answer's `NextMarker` while the answer says it is
//! truncated. It needs no executor-specific stream type: pull pages with
//! [`Paginator::next_page`], single items with [`ItemPaginator::next_item`],
//! or everything with [`Paginator::collect_all`]. It works the same natively
//! and on wasm32.
//!
//! ```no_run
//! # async fn demo(client: kms_wasm::KmsClient) -> kms_wasm::Result<()> {
//! use kms_wasm::kms::ListKeysRequest;
//! let mut pages = client.paginate_list_keys(ListKeysRequest { limit: Some(100), ..Default::default() });
//! while let Some(page) = pages.next_page().await {
//!     for key in page?.keys.unwrap_or_default() {
//!         println!("{:?}", key.key_id);
//!     }
//! }
//! # Ok(()) }
//! ```

use std::collections::VecDeque;

use super::model::*;
use super::{ops, KmsClient, Operation};
use crate::error::Result;

/// An operation whose answers come in pages linked by `Marker` / `NextMarker`.
pub trait Paginated: Operation
where
    Self::Input: Clone,
{
    /// One element of a page (a key, an alias, a grant, …).
    type Item;
    /// The `Marker` of the request.
    fn marker(input: &Self::Input) -> Option<&str>;
    /// Sets the `Marker` of the request.
    fn set_marker(input: &mut Self::Input, marker: Option<String>);
    /// The `NextMarker` of an answer, when the answer says more pages follow.
    ///
    /// A page continues the listing when it has a non-empty `NextMarker` and
    /// does not say `Truncated: false` (KMS sets both; some emulators send
    /// only the marker).
    fn next_marker(output: &Self::Output) -> Option<String>;
    /// The elements of one page.
    fn items(output: Self::Output) -> Vec<Self::Item>;
}

fn continuation(next_marker: &Option<String>, truncated: Option<bool>) -> Option<String> {
    match (next_marker, truncated) {
        (_, Some(false)) => None,
        (Some(m), _) if !m.is_empty() => Some(m.clone()),
        _ => None,
    }
}

macro_rules! paginated {
    ($($op:ident: $items:ident -> $item:ty, $method:ident;)*) => {
        $(
            impl Paginated for ops::$op {
                type Item = $item;
                fn marker(input: &Self::Input) -> Option<&str> {
                    input.marker.as_deref()
                }
                fn set_marker(input: &mut Self::Input, marker: Option<String>) {
                    input.marker = marker;
                }
                fn next_marker(output: &Self::Output) -> Option<String> {
                    continuation(&output.next_marker, output.truncated)
                }
                fn items(output: Self::Output) -> Vec<Self::Item> {
                    output.$items.unwrap_or_default()
                }
            }
        )*
        impl KmsClient {
            $(
                #[doc = concat!("Pages through `", stringify!($op), "`: every page of the answer, following `NextMarker` while `Truncated`.")]
                pub fn $method(&self, input: <ops::$op as Operation>::Input) -> Paginator<ops::$op> {
                    self.paginate::<ops::$op>(input)
                }
            )*
        }
    };
}

paginated! {
    ListKeys: keys -> KeyListEntry, paginate_list_keys;
    ListAliases: aliases -> AliasListEntry, paginate_list_aliases;
    ListGrants: grants -> GrantListEntry, paginate_list_grants;
    ListKeyPolicies: policy_names -> String, paginate_list_key_policies;
    ListResourceTags: tags -> Tag, paginate_list_resource_tags;
    ListRetirableGrants: grants -> GrantListEntry, paginate_list_retirable_grants;
    ListKeyRotations: rotations -> RotationsListEntry, paginate_list_key_rotations;
    DescribeCustomKeyStores: custom_key_stores -> CustomKeyStoresListEntry, paginate_describe_custom_key_stores;
}

impl KmsClient {
    /// Pages through any [`Paginated`] operation, starting from `input`
    /// (a `Marker` already set in `input` is where the first page starts).
    pub fn paginate<O: Paginated>(&self, input: O::Input) -> Paginator<O>
    where
        O::Input: Clone,
    {
        Paginator { client: self.clone(), input, state: State::Ready, pages: 0, markers_seen: Default::default() }
    }
}

enum State {
    Ready,
    Done,
}

/// The pages of one listing. Each call to [`next_page`](Self::next_page)
/// sends one request; after the last page, or after an error, it returns `None`.
pub struct Paginator<O: Paginated>
where
    O::Input: Clone,
{
    client: KmsClient,
    input: O::Input,
    state: State,
    pages: u32,
    /// Every marker sent so far: a server that hands one back again is going round in a circle.
    markers_seen: std::collections::HashSet<String>,
}

impl<O: Paginated> std::fmt::Debug for Paginator<O>
where
    O::Input: Clone,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator").field("operation", &O::NAME).field("pages", &self.pages).field("done", &matches!(self.state, State::Done)).finish()
    }
}

impl<O: Paginated> Paginator<O>
where
    O::Input: Clone,
{
    /// Fetches the next page: `None` once the listing is complete (or after
    /// an error was returned). A page whose `NextMarker` is one already sent
    /// ends the listing rather than looping forever.
    pub async fn next_page(&mut self) -> Option<Result<O::Output>> {
        if let State::Done = self.state {
            return None;
        }
        let result = self.client.send::<O>(&self.input).await;
        self.pages += 1;
        match &result {
            Ok(output) => {
                if let Some(sent) = O::marker(&self.input) {
                    self.markers_seen.insert(sent.to_owned());
                }
                match O::next_marker(output) {
                    Some(next) if !self.markers_seen.contains(&next) => O::set_marker(&mut self.input, Some(next)),
                    _ => self.state = State::Done,
                }
            }
            Err(_) => self.state = State::Done,
        }
        Some(result)
    }

    /// Number of pages fetched so far (including one that failed).
    pub fn pages_fetched(&self) -> u32 {
        self.pages
    }

    /// Fetches every remaining page and returns all their items, in order;
    /// the first error ends the listing and is returned.
    pub async fn collect_all(mut self) -> Result<Vec<O::Item>> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await {
            all.extend(O::items(page?));
        }
        Ok(all)
    }

    /// Turns the pages into a sequence of single items.
    pub fn into_items(self) -> ItemPaginator<O> {
        ItemPaginator { pages: self, buffered: VecDeque::new() }
    }
}

/// The items of a listing one at a time, fetching pages as needed
/// (see [`Paginator::into_items`]).
pub struct ItemPaginator<O: Paginated>
where
    O::Input: Clone,
{
    pages: Paginator<O>,
    buffered: VecDeque<O::Item>,
}

impl<O: Paginated> std::fmt::Debug for ItemPaginator<O>
where
    O::Input: Clone,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemPaginator").field("pages", &self.pages).field("buffered", &self.buffered.len()).finish()
    }
}

impl<O: Paginated> ItemPaginator<O>
where
    O::Input: Clone,
{
    /// The next item: `None` once the listing is complete (or after an error was returned).
    pub async fn next_item(&mut self) -> Option<Result<O::Item>> {
        loop {
            if let Some(item) = self.buffered.pop_front() {
                return Some(Ok(item));
            }
            match self.pages.next_page().await? {
                Ok(page) => self.buffered.extend(O::items(page)),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_rules() {
        assert_eq!(continuation(&Some("m".into()), Some(true)), Some("m".into()));
        assert_eq!(continuation(&Some("m".into()), None), Some("m".into()));
        assert_eq!(continuation(&Some("m".into()), Some(false)), None);
        assert_eq!(continuation(&Some(String::new()), Some(true)), None);
        assert_eq!(continuation(&None, Some(true)), None);
    }
}
