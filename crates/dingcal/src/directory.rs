//! Organisations, users and apps: the directory file, and the in-memory index
//! the server answers from. The directory only changes at start.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::domain::event::Category;
use crate::domain::{CorpId, Permission, UnionId, random_token};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryFile {
    #[serde(default)]
    pub orgs: Vec<Org>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Org {
    pub corp_id: String,
    pub name: String,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub apps: Vec<App>,
    #[serde(default)]
    pub rooms: Vec<Room>,
    /// The event types the org offers (ListCategories), in this order.
    #[serde(default)]
    pub categories: Vec<EventCategory>,
    /// The calendar plugins of the org (ListOrgPlugins), in this order.
    #[serde(default)]
    pub plugins: Vec<Plugin>,
}

/// A calendar plugin of the org. Its subscribers are those of the file
/// when it is first loaded; UpdateOrgPluginSubscribers changes them after.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Plugin {
    pub plugin_id: String,
    pub name: String,
    #[serde(default)]
    pub logo: Option<String>,
    /// `pluginClassification` on the wire (DingTalk documents no values).
    #[serde(default)]
    pub classification: Option<String>,
    #[serde(default)]
    pub dept_ids: Vec<String>,
    #[serde(default)]
    pub union_ids: Vec<String>,
}

/// A meeting room of the org (CONTRACT.md).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Room {
    pub room_id: String,
    pub name: String,
    #[serde(default)]
    pub capacity: Option<u32>,
    /// A booking waits as `tentative` until MeetingRoomRespond decides.
    #[serde(default)]
    pub needs_approval: bool,
}

/// An event type: `openCategoryId` and `displayName` on the wire.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EventCategory {
    pub category_id: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub union_id: String,
    #[serde(default)]
    pub user_id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    pub app_key: String,
    /// In a directory file, the secret; as loaded from the store, what the
    /// store keeps of it (`domain::secret::hash_secret`).
    pub app_secret: String,
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Where the stand-in sign-in may send the app's users back to, besides
    /// loopback addresses.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
}

impl DirectoryFile {
    pub fn load(path: &Path) -> Result<DirectoryFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read directory file {}: {e}", path.display()))?;
        let file: DirectoryFile =
            toml::from_str(&text).map_err(|e| format!("directory file {}: {e}", path.display()))?;
        file.check()?;
        Ok(file)
    }

    /// Refuses what would make the directory ambiguous.
    pub fn check(&self) -> Result<(), String> {
        let mut union_ids = HashMap::new();
        let mut app_keys = HashMap::new();
        let mut room_ids = HashMap::new();
        let mut plugin_ids = HashMap::new();
        for org in &self.orgs {
            for plugin in &org.plugins {
                if plugin_ids.insert(&plugin.plugin_id, &org.corp_id).is_some() {
                    return Err(format!("plugin_id {:?} appears twice", plugin.plugin_id));
                }
            }
            for room in &org.rooms {
                if room_ids.insert(&room.room_id, &org.corp_id).is_some() {
                    return Err(format!("room_id {:?} appears twice", room.room_id));
                }
            }
            let mut category_ids = std::collections::HashSet::new();
            for category in &org.categories {
                if !category_ids.insert(&category.category_id) {
                    return Err(format!(
                        "category_id {:?} appears twice in org {:?}",
                        category.category_id, org.corp_id
                    ));
                }
            }
            for user in &org.users {
                if let Some(other) = union_ids.insert(&user.union_id, &org.corp_id) {
                    return Err(format!(
                        "union_id {:?} appears twice (orgs {other:?} and {:?})",
                        user.union_id, org.corp_id
                    ));
                }
            }
            for app in &org.apps {
                if app_keys.insert(&app.app_key, &org.corp_id).is_some() {
                    return Err(format!("app_key {:?} appears twice", app.app_key));
                }
                for p in &app.permissions {
                    if Permission::parse(p).is_none() {
                        return Err(format!("app {:?}: unknown permission {p:?}", app.app_key));
                    }
                }
            }
        }
        Ok(())
    }

    /// The demo organisation made on an empty database when no directory
    /// file is given: a few users and one app with every permission.
    pub fn demo() -> DirectoryFile {
        let user = |id: &str, name: &str| User {
            union_id: format!("{id}-union"),
            user_id: Some(id.to_string()),
            name: name.to_string(),
            email: Some(format!("{id}@demo.example")),
        };
        DirectoryFile {
            orgs: vec![Org {
                corp_id: "ding-demo".into(),
                name: "Demo".into(),
                users: vec![
                    user("alice", "Alice"),
                    user("bob", "Bob"),
                    user("carol", "Carol"),
                    user("dave", "Dave"),
                ],
                apps: vec![App {
                    app_key: format!("demo-{}", random_token(9)),
                    app_secret: random_token(24),
                    permissions: Permission::ALL
                        .iter()
                        .map(|p| p.name().to_string())
                        .collect(),
                    redirect_uris: Vec::new(),
                }],
                rooms: vec![
                    Room {
                        room_id: "room-aurora".into(),
                        name: "Aurora".into(),
                        capacity: Some(8),
                        needs_approval: false,
                    },
                    Room {
                        room_id: "room-borealis".into(),
                        name: "Borealis".into(),
                        capacity: Some(20),
                        needs_approval: true,
                    },
                ],
                categories: vec![
                    EventCategory {
                        category_id: "meeting".into(),
                        name: "Meeting".into(),
                    },
                    EventCategory {
                        category_id: "focus".into(),
                        name: "Focus time".into(),
                    },
                ],
                plugins: vec![Plugin {
                    plugin_id: "demo-notes".into(),
                    name: "Meeting notes".into(),
                    logo: None,
                    classification: Some("document".into()),
                    dept_ids: Vec::new(),
                    union_ids: vec!["alice-union".into()],
                }],
            }],
        }
    }
}

/// What an access token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub app_key: String,
    pub corp_id: CorpId,
    pub permissions: Vec<Permission>,
    /// For a user's token: the user it acts as (the `me` of `/me/` paths).
    pub user: Option<UnionId>,
}

impl Grant {
    pub fn require(&self, needed: Permission) -> ApiResult<()> {
        if self.permissions.iter().any(|p| p.grants(needed)) {
            Ok(())
        } else {
            Err(ApiError::permission_denied(vec![needed.name()]))
        }
    }
}

#[derive(Debug, Clone)]
pub struct UserEntry {
    pub corp_id: CorpId,
    pub name: String,
    pub email: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AppEntry {
    /// What the store keeps of the app's secret.
    pub secret_hash: String,
    pub grant: Grant,
    pub redirect_uris: Vec<String>,
}

impl AppEntry {
    /// Whether the stand-in sign-in may send a user to `uri`: one of the
    /// app's registered URIs, exactly, or a loopback address on any port
    /// and path (CONTRACT.md; RFC 8252 lets native apps listen there).
    pub fn may_redirect_to(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri) || is_loopback(uri)
    }
}

/// `http://127.0.0.1`, `http://[::1]` or `http://localhost`, with any port
/// and path. A user part (`http://127.0.0.1@elsewhere/`) is refused: the
/// browser would go elsewhere.
fn is_loopback(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return false;
    }
    let host = match authority.strip_prefix("[::1]") {
        Some(port) => return port.is_empty() || is_port(port),
        None => authority,
    };
    let (name, port) = host.split_once(':').unwrap_or((host, ""));
    (name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost"))
        && (port.is_empty() || is_port(&format!(":{port}")))
}

/// `:PORT`, digits only.
fn is_port(text: &str) -> bool {
    text.strip_prefix(':')
        .is_some_and(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The directory as the server consults it on every request.
#[derive(Debug, Default)]
pub struct Directory {
    users: HashMap<UnionId, UserEntry>,
    apps: HashMap<String, AppEntry>,
    rooms: HashMap<String, (CorpId, Room)>,
    categories: HashMap<CorpId, Vec<EventCategory>>,
    /// Users by org and email, lowercased: how CalDAV names attendees.
    emails: HashMap<(CorpId, String), UnionId>,
}

impl Directory {
    pub fn from_file(file: &DirectoryFile) -> Directory {
        let mut dir = Directory::default();
        for org in &file.orgs {
            let corp_id = CorpId(org.corp_id.clone());
            for room in &org.rooms {
                dir.rooms
                    .insert(room.room_id.clone(), (corp_id.clone(), room.clone()));
            }
            dir.categories
                .insert(corp_id.clone(), org.categories.clone());
            for u in &org.users {
                let id = UnionId(u.union_id.clone());
                if let Some(email) = &u.email {
                    dir.emails
                        .entry((corp_id.clone(), email.to_lowercase()))
                        .or_insert_with(|| id.clone());
                }
                dir.users.insert(
                    id,
                    UserEntry {
                        corp_id: corp_id.clone(),
                        name: u.name.clone(),
                        email: u.email.clone(),
                    },
                );
            }
            for a in &org.apps {
                dir.apps.insert(
                    a.app_key.clone(),
                    AppEntry {
                        secret_hash: a.app_secret.clone(),
                        grant: Grant {
                            app_key: a.app_key.clone(),
                            corp_id: corp_id.clone(),
                            permissions: a
                                .permissions
                                .iter()
                                .filter_map(|p| Permission::parse(p))
                                .collect(),
                            user: None,
                        },
                        redirect_uris: a.redirect_uris.clone(),
                    },
                );
            }
        }
        dir
    }

    pub fn app(&self, app_key: &str) -> Option<&AppEntry> {
        self.apps.get(app_key)
    }

    /// A user of the given org; a user of any other org is not found, so
    /// nothing of another org is revealed.
    pub fn member(&self, corp_id: &CorpId, union_id: &str) -> ApiResult<UnionId> {
        let id = UnionId(union_id.to_string());
        match self.users.get(&id) {
            Some(u) if &u.corp_id == corp_id => Ok(id),
            _ => Err(ApiError::item_not_found(format!(
                "The specified user {union_id:?} cannot be found."
            ))),
        }
    }

    /// Attendees (and grantees, managers, subscribers) must be users of the
    /// org; names the first that is not.
    pub fn check_members<'a>(
        &self,
        corp_id: &CorpId,
        ids: impl IntoIterator<Item = &'a UnionId>,
    ) -> ApiResult<()> {
        for id in ids {
            match self.users.get(id) {
                Some(u) if &u.corp_id == corp_id => {}
                _ => {
                    return Err(ApiError::invalid_parameter(format!(
                        "{:?} is not a user of this organization",
                        id.as_str()
                    )));
                }
            }
        }
        Ok(())
    }

    pub fn email(&self, id: &UnionId) -> Option<&str> {
        self.users.get(id).and_then(|u| u.email.as_deref())
    }

    /// The user of the org with that email (the first listed, if several
    /// share it).
    pub fn by_email(&self, corp_id: &CorpId, email: &str) -> Option<&UnionId> {
        self.emails.get(&(corp_id.clone(), email.to_lowercase()))
    }

    pub fn display_name(&self, id: &UnionId) -> &str {
        self.users.get(id).map_or("", |u| u.name.as_str())
    }

    /// A room of the org; a room of another org is not found.
    pub fn room(&self, corp_id: &CorpId, room_id: &str) -> Option<&Room> {
        self.rooms
            .get(room_id)
            .filter(|(corp, _)| corp == corp_id)
            .map(|(_, room)| room)
    }

    /// The org of a user, if the directory has them.
    pub fn corp_of(&self, id: &UnionId) -> Option<&CorpId> {
        self.users.get(id).map(|u| &u.corp_id)
    }

    /// A room's name, by its id (unique across the server).
    pub fn room_name(&self, room_id: &str) -> &str {
        self.rooms
            .get(room_id)
            .map_or("", |(_, room)| room.name.as_str())
    }

    /// The event types the org offers, in the directory's order.
    pub fn categories(&self, corp_id: &CorpId) -> &[EventCategory] {
        self.categories.get(corp_id).map_or(&[], Vec::as_slice)
    }

    /// An event's categories as the org names them: a `categoryId` must be
    /// one the org offers (ListCategories), and takes its `displayName`
    /// from it; one given by name alone is kept as given.
    pub fn name_categories(&self, corp_id: &CorpId, list: &mut [Category]) -> ApiResult<()> {
        for category in list {
            let Some(id) = &category.category_id else {
                continue;
            };
            let offered = self
                .categories(corp_id)
                .iter()
                .find(|c| &c.category_id == id)
                .ok_or_else(|| {
                    ApiError::invalid_parameter(format!(
                        "categoryId {id:?} is not a category of this organization (ListCategories)"
                    ))
                })?;
            category.display_name = Some(offered.name.clone());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_returns_to_registered_uris_and_loopback_only() {
        let app = AppEntry {
            secret_hash: String::new(),
            grant: Grant {
                app_key: "a".into(),
                corp_id: CorpId("c".into()),
                permissions: Vec::new(),
                user: None,
            },
            redirect_uris: vec!["https://app.example/cb".into()],
        };
        for allowed in [
            "https://app.example/cb",
            "http://127.0.0.1/cb",
            "http://127.0.0.1:8400/any/path?x=1",
            "http://[::1]:9000/cb",
            "http://localhost:3000",
            "http://LOCALHOST/",
        ] {
            assert!(app.may_redirect_to(allowed), "{allowed}");
        }
        for refused in [
            "https://app.example/cb/more",
            "https://app.example/cb?x=1",
            "https://anywhere.example/cb",
            "https://127.0.0.1/cb",
            "http://127.0.0.1@evil.example/",
            "http://127.0.0.1.evil.example/",
            "http://localhost.evil.example:80/",
            "http://[::1].evil.example/",
            "http://127.0.0.1:80x/",
            "javascript:alert(1)",
        ] {
            assert!(!app.may_redirect_to(refused), "{refused}");
        }
    }

    const FILE: &str = r#"
[[orgs]]
corp_id = "ding-acme"
name = "Acme"

[[orgs.users]]
union_id = "alice-union"
user_id = "alice"
name = "Alice"
email = "alice@acme.example"

[[orgs.apps]]
app_key = "acme-app"
app_secret = "acme-secret"
permissions = ["Calendar.Event.Read", "Calendar.Event.Write"]

[[orgs]]
corp_id = "ding-other"
name = "Other"

[[orgs.users]]
union_id = "eve-union"
name = "Eve"
"#;

    #[test]
    fn contract_example_parses() {
        let file: DirectoryFile = toml::from_str(FILE).unwrap();
        file.check().unwrap();
        let dir = Directory::from_file(&file);
        let grant = &dir.app("acme-app").unwrap().grant;
        assert_eq!(grant.corp_id.as_str(), "ding-acme");
        assert!(grant.require(Permission::EventRead).is_ok());
        assert!(grant.require(Permission::EventScheduleRead).is_err());
    }

    #[test]
    fn users_of_another_org_are_not_found() {
        let dir = Directory::from_file(&toml::from_str(FILE).unwrap());
        let acme = CorpId("ding-acme".into());
        assert!(dir.member(&acme, "alice-union").is_ok());
        assert_eq!(
            dir.member(&acme, "eve-union").unwrap_err().code,
            "itemNotFound"
        );
    }

    #[test]
    fn a_union_id_in_two_orgs_is_refused() {
        let doubled =
            format!("{FILE}\n[[orgs.users]]\nunion_id = \"alice-union\"\nname = \"A2\"\n");
        let file: DirectoryFile = toml::from_str(&doubled).unwrap();
        assert!(file.check().is_err());
    }
}
