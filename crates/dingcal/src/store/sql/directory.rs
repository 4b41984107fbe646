//! The directory as rows: organisations, their users and their apps.

use super::db::{Db, params, sql};
use crate::directory::{App, DirectoryFile, EventCategory, Org, Plugin, Room, User};
use crate::domain::secret;
use crate::error::ApiResult;

/// Upserts the organisations, users and apps of a directory file.
pub async fn save(conn: &impl Db, file: &DirectoryFile) -> ApiResult<()> {
    for org in &file.orgs {
        conn.execute(
            sql!(
                "INSERT INTO orgs (corp_id, name) VALUES ($1, $2)
                 ON CONFLICT (corp_id) DO UPDATE SET name = excluded.name"
            ),
            params![org.corp_id, org.name],
        )
        .await?;
        for u in &org.users {
            conn.execute(
                sql!(
                    "INSERT INTO users (union_id, corp_id, user_id, name, email) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (union_id) DO UPDATE SET corp_id = excluded.corp_id,
                       user_id = excluded.user_id, name = excluded.name, email = excluded.email"
                ),
                params![u.union_id, org.corp_id, u.user_id, u.name, u.email],
            )
            .await?;
        }
        for a in &org.apps {
            conn.execute(
                sql!(
                    "INSERT INTO apps (app_key, corp_id, app_secret, permissions, redirect_uris)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (app_key) DO UPDATE SET corp_id = excluded.corp_id,
                       app_secret = excluded.app_secret, permissions = excluded.permissions,
                       redirect_uris = excluded.redirect_uris"
                ),
                params![
                    a.app_key,
                    org.corp_id,
                    secret::hash_secret(&a.app_secret),
                    serde_json::to_string(&a.permissions)?,
                    serde_json::to_string(&a.redirect_uris)?
                ],
            )
            .await?;
        }
        for r in &org.rooms {
            conn.execute(
                sql!(
                    "INSERT INTO rooms (room_id, corp_id, name, capacity, needs_approval)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (room_id) DO UPDATE SET corp_id = excluded.corp_id,
                       name = excluded.name, capacity = excluded.capacity,
                       needs_approval = excluded.needs_approval"
                ),
                params![
                    r.room_id,
                    org.corp_id,
                    r.name,
                    r.capacity.map(i64::from),
                    r.needs_approval
                ],
            )
            .await?;
        }
        for (position, p) in org.plugins.iter().enumerate() {
            conn.execute(
                sql!(
                    "INSERT INTO plugins (plugin_id, corp_id, name, logo, classification, dept_ids,
                       union_ids, position)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (plugin_id) DO UPDATE SET corp_id = excluded.corp_id,
                       name = excluded.name, logo = excluded.logo,
                       classification = excluded.classification, position = excluded.position"
                ),
                params![
                    p.plugin_id,
                    org.corp_id,
                    p.name,
                    p.logo,
                    p.classification,
                    serde_json::to_string(&p.dept_ids)?,
                    serde_json::to_string(&p.union_ids)?,
                    position as i64
                ],
            )
            .await?;
        }
        for (position, c) in org.categories.iter().enumerate() {
            conn.execute(
                sql!(
                    "INSERT INTO categories (corp_id, category_id, name, position)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (corp_id, category_id) DO UPDATE SET name = excluded.name,
                       position = excluded.position"
                ),
                params![org.corp_id, c.category_id, c.name, position as i64],
            )
            .await?;
        }
    }
    Ok(())
}

/// Replaces an app's secret, and ends the app tokens the old one got (its
/// users' tokens were got with it too, but act as their users); whether
/// the app exists.
pub async fn set_app_secret(conn: &impl Db, app_key: &str, new: &str) -> ApiResult<bool> {
    let changed = conn
        .execute(
            sql!("UPDATE apps SET app_secret = $1 WHERE app_key = $2"),
            params![secret::hash_secret(new), app_key],
        )
        .await?;
    conn.execute(
        sql!("DELETE FROM access_tokens WHERE app_key = $1 AND union_id IS NULL"),
        params![app_key],
    )
    .await?;
    Ok(changed == 1)
}

/// Saves `file` if the database holds no organisation yet; whether it did.
/// Of nodes seeding an empty database at once, the one whose insert lands
/// does it; the others wait for it, then find the row there.
pub async fn seed(conn: &impl Db, file: &DirectoryFile) -> ApiResult<bool> {
    let any = conn
        .query_opt(sql!("SELECT corp_id FROM orgs LIMIT 1"), params![], |r| {
            r.get::<String>("corp_id")
        })
        .await?;
    let Some(first) = file.orgs.first() else {
        return Ok(false);
    };
    let claimed = any.is_none()
        && conn
            .execute(
                sql!(
                    "INSERT INTO orgs (corp_id, name) VALUES ($1, $2) ON CONFLICT (corp_id) DO NOTHING"
                ),
                params![first.corp_id, first.name],
            )
            .await?
            == 1;
    if claimed {
        save(conn, file).await?;
    }
    Ok(claimed)
}

/// The whole directory as stored.
pub async fn load(conn: &impl Db) -> ApiResult<DirectoryFile> {
    let mut orgs: Vec<Org> = conn
        .query(
            sql!("SELECT corp_id, name FROM orgs ORDER BY corp_id"),
            params![],
            |r| {
                Ok(Org {
                    corp_id: r.get("corp_id")?,
                    name: r.get("name")?,
                    users: Vec::new(),
                    apps: Vec::new(),
                    rooms: Vec::new(),
                    categories: Vec::new(),
                    plugins: Vec::new(),
                })
            },
        )
        .await?;
    for org in &mut orgs {
        org.users = conn
            .query(
                sql!(
                    "SELECT union_id, user_id, name, email FROM users WHERE corp_id = $1 ORDER BY union_id"
                ),
                params![org.corp_id],
                |r| {
                    Ok(User {
                        union_id: r.get("union_id")?,
                        user_id: r.get("user_id")?,
                        name: r.get("name")?,
                        email: r.get("email")?,
                    })
                },
            )
            .await?;
        org.apps = conn
            .query(
                sql!(
                    "SELECT app_key, app_secret, permissions, redirect_uris FROM apps
                     WHERE corp_id = $1 ORDER BY app_key"
                ),
                params![org.corp_id],
                |r| {
                    Ok(App {
                        app_key: r.get("app_key")?,
                        app_secret: r.get("app_secret")?,
                        permissions: serde_json::from_str(&r.get::<String>("permissions")?)?,
                        redirect_uris: serde_json::from_str(&r.get::<String>("redirect_uris")?)?,
                    })
                },
            )
            .await?;
    }
    for org in &mut orgs {
        org.rooms = conn
            .query(
                sql!(
                    "SELECT room_id, name, capacity, needs_approval FROM rooms
                     WHERE corp_id = $1 ORDER BY room_id"
                ),
                params![org.corp_id],
                |r| {
                    Ok(Room {
                        room_id: r.get("room_id")?,
                        name: r.get("name")?,
                        capacity: r
                            .get::<Option<i64>>("capacity")?
                            .and_then(|c| u32::try_from(c).ok()),
                        needs_approval: r.get("needs_approval")?,
                    })
                },
            )
            .await?;
        org.categories = conn
            .query(
                sql!(
                    "SELECT category_id, name FROM categories
                     WHERE corp_id = $1 ORDER BY position, category_id"
                ),
                params![org.corp_id],
                |r| {
                    Ok(EventCategory {
                        category_id: r.get("category_id")?,
                        name: r.get("name")?,
                    })
                },
            )
            .await?;
    }
    for org in &mut orgs {
        org.plugins = plugins(conn, &org.corp_id).await?;
    }
    Ok(DirectoryFile { orgs })
}

/// An org's plugins, with their subscribers as they stand.
pub async fn plugins(conn: &impl Db, corp_id: &str) -> ApiResult<Vec<Plugin>> {
    conn.query(
        sql!(
            "SELECT plugin_id, name, logo, classification, dept_ids, union_ids FROM plugins
             WHERE corp_id = $1 ORDER BY position, plugin_id"
        ),
        params![corp_id],
        |r| {
            Ok(Plugin {
                plugin_id: r.get("plugin_id")?,
                name: r.get("name")?,
                logo: r.get("logo")?,
                classification: r.get("classification")?,
                dept_ids: serde_json::from_str(&r.get::<String>("dept_ids")?)?,
                union_ids: serde_json::from_str(&r.get::<String>("union_ids")?)?,
            })
        },
    )
    .await
}

/// Replaces a plugin's subscribers; whether the org has that plugin.
pub async fn set_plugin_subscribers(
    conn: &impl Db,
    corp_id: &str,
    plugin_id: &str,
    dept_ids: &[String],
    union_ids: &[String],
) -> ApiResult<bool> {
    let changed = conn
        .execute(
            sql!(
                "UPDATE plugins SET dept_ids = $1, union_ids = $2
                 WHERE plugin_id = $3 AND corp_id = $4"
            ),
            params![
                serde_json::to_string(dept_ids)?,
                serde_json::to_string(union_ids)?,
                plugin_id,
                corp_id
            ],
        )
        .await?;
    Ok(changed == 1)
}
