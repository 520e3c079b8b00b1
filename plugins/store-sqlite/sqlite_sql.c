/*
 * SQL text of the prepared statements, indexed by enum sq_stmt_id. The
 * column order of the SELECTs matches the row readers in the operation
 * files (SQ_*_COLUMNS).
 */
#include "sqlite_store.h"

#define TOKEN_COLUMNS                                                          \
  "token_id, flags, profile, audience, scope, raw, claims, cnf_kid, exp, "    \
  "exi, received, expires_at, cti_issuer, cti_seq, kdcchallenge, "            \
  "profile_data"

#define CTX_COLUMNS                                                            \
  "recipient_id, has_id_context, id_context, token_id, sender_id, "           \
  "master_secret, master_salt, aead_alg, hkdf_alg, ssn_bound, "               \
  "replay_window, created"

#define GROUP_COLUMNS                                                          \
  "name, flags, gid, key_version, master_secret, master_salt, exp, "          \
  "max_stale_sets, hkdf_alg, cred_fmt, gp_enc_alg, sign_alg, aead_alg, "      \
  "ecdh_alg, sign_params, ecdh_params, config, config_digest, created"

#define MEMBER_COLUMNS                                                         \
  "group_name, node_name, flags, token_id, roles, sender_id, cred, "          \
  "cred_fmt, control_uri, joined, updated, birth_gid, clientchallenge, "      \
  "join_scope"

#define CTX_KEY "recipient_id = ?1 AND has_id_context = ?2 AND id_context = ?3"

const char *const sq_sql[SQ_STMT_COUNT] = {
    [SQ_COUNTER_GET] = "SELECT value FROM counters WHERE name = ?1",
    [SQ_COUNTER_SET] =
        "INSERT INTO counters (name, value) VALUES (?1, ?2) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",

    [SQ_TOKEN_RECEIVED] = "SELECT received FROM tokens WHERE token_id = ?1",
    [SQ_TOKEN_UPSERT] =
        "INSERT INTO tokens (" TOKEN_COLUMNS ") VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
        "ON CONFLICT (token_id) DO UPDATE SET flags = excluded.flags, "
        "profile = excluded.profile, audience = excluded.audience, "
        "scope = excluded.scope, raw = excluded.raw, claims = excluded.claims, "
        "cnf_kid = excluded.cnf_kid, exp = excluded.exp, exi = excluded.exi, "
        "received = excluded.received, expires_at = excluded.expires_at, "
        "cti_issuer = excluded.cti_issuer, cti_seq = excluded.cti_seq, "
        "kdcchallenge = excluded.kdcchallenge, "
        "profile_data = excluded.profile_data",
    [SQ_TOKEN_GET] = "SELECT " TOKEN_COLUMNS " FROM tokens WHERE token_id = ?1",
    [SQ_TOKEN_SET_CHALLENGE] =
        "UPDATE tokens SET kdcchallenge = ?2 WHERE token_id = ?1",
    [SQ_TOKEN_DELETE] = "DELETE FROM tokens WHERE token_id = ?1",
    [SQ_TOKEN_EXPIRED_CTI] =
        "SELECT cti_issuer, cti_seq FROM tokens WHERE expires_at > 0 AND "
        "expires_at <= ?1 AND cti_seq IS NOT NULL",
    [SQ_TOKEN_DELETE_EXPIRED] =
        "DELETE FROM tokens WHERE expires_at > 0 AND expires_at <= ?1",
    [SQ_TOKEN_LIST] = "SELECT " TOKEN_COLUMNS " FROM tokens ORDER BY token_id",
    [SQ_TOKEN_EXISTS] = "SELECT 1 FROM tokens WHERE token_id = ?1",

    [SQ_CTI_GET] =
        "SELECT flags, max_seq, window, max_expired FROM cti_state "
        "WHERE issuer = ?1",
    [SQ_CTI_SET] =
        "INSERT INTO cti_state (issuer, flags, max_seq, window, max_expired) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (issuer) DO UPDATE SET "
        "flags = excluded.flags, max_seq = excluded.max_seq, "
        "window = excluded.window, max_expired = excluded.max_expired",

    [SQ_CTX_BOUND] = "SELECT ssn_bound FROM oscore_contexts WHERE " CTX_KEY,
    [SQ_CTX_UPSERT] =
        "INSERT INTO oscore_contexts (" CTX_COLUMNS ") VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
        "ON CONFLICT (recipient_id, has_id_context, id_context) DO UPDATE SET "
        "token_id = excluded.token_id, sender_id = excluded.sender_id, "
        "master_secret = excluded.master_secret, "
        "master_salt = excluded.master_salt, aead_alg = excluded.aead_alg, "
        "hkdf_alg = excluded.hkdf_alg, ssn_bound = excluded.ssn_bound, "
        "replay_window = excluded.replay_window, created = excluded.created",
    [SQ_CTX_GET] = "SELECT " CTX_COLUMNS " FROM oscore_contexts WHERE " CTX_KEY,
    [SQ_CTX_SET_BOUND] =
        "UPDATE oscore_contexts SET ssn_bound = ?4 WHERE " CTX_KEY,
    [SQ_CTX_SET_WINDOW] =
        "UPDATE oscore_contexts SET replay_window = ?4 WHERE " CTX_KEY,
    [SQ_CTX_DELETE] = "DELETE FROM oscore_contexts WHERE " CTX_KEY,
    [SQ_CTX_DELETE_ALL] = "DELETE FROM oscore_contexts",
    [SQ_CTX_LIST] =
        "SELECT " CTX_COLUMNS " FROM oscore_contexts "
        "ORDER BY recipient_id, has_id_context, id_context",

    [SQ_GROUP_EXISTS] = "SELECT 1 FROM groups WHERE name = ?1",
    [SQ_GROUP_INSERT] =
        "INSERT INTO groups (" GROUP_COLUMNS ", sid_next_len, sid_next_value) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
        "?15, ?16, ?17, ?18, ?19, 1, 0)",
    [SQ_GROUP_GET] = "SELECT " GROUP_COLUMNS " FROM groups WHERE name = ?1",
    [SQ_GROUP_GET_BY_GID] = "SELECT " GROUP_COLUMNS " FROM groups WHERE gid = ?1",
    [SQ_GROUP_LIST] = "SELECT " GROUP_COLUMNS " FROM groups ORDER BY name",
    [SQ_GROUP_SET_CONFIG] =
        "UPDATE groups SET flags = ?2, exp = ?3, max_stale_sets = ?4, "
        "hkdf_alg = ?5, cred_fmt = ?6, gp_enc_alg = ?7, sign_alg = ?8, "
        "aead_alg = ?9, ecdh_alg = ?10, sign_params = ?11, ecdh_params = ?12, "
        "config = ?13, config_digest = ?14 WHERE name = ?1",
    [SQ_GROUP_STATE] =
        "SELECT gid, key_version, max_stale_sets, sid_next_len, sid_next_value "
        "FROM groups WHERE name = ?1",
    [SQ_GROUP_REKEY] =
        "UPDATE groups SET gid = ?2, key_version = ?3, master_secret = ?4, "
        "master_salt = ?5, exp = ?6, sid_next_len = 1, sid_next_value = 0 "
        "WHERE name = ?1",
    [SQ_GROUP_DELETE] = "DELETE FROM groups WHERE name = ?1",
    [SQ_GROUP_SET_CURSOR] =
        "UPDATE groups SET sid_next_len = ?2, sid_next_value = ?3 "
        "WHERE name = ?1",

    [SQ_HISTORY_GET] = "SELECT last_version FROM group_history WHERE name = ?1",
    [SQ_HISTORY_SET] =
        "INSERT INTO group_history (name, last_version) VALUES (?1, ?2) "
        "ON CONFLICT (name) DO UPDATE SET last_version = excluded.last_version",

    [SQ_GID_USED] = "SELECT 1 FROM gids_used WHERE gid = ?1",
    [SQ_GID_INSERT] =
        "INSERT INTO gids_used (gid, group_name, first_used) VALUES (?1, ?2, ?3)",

    [SQ_SID_USED] =
        "SELECT 1 FROM sender_ids WHERE group_name = ?1 AND gid = ?2 AND "
        "sender_id = ?3",
    [SQ_SID_INSERT] =
        "INSERT INTO sender_ids (group_name, gid, sender_id, assigned) "
        "VALUES (?1, ?2, ?3, ?4)",
    [SQ_SID_DROP_GROUP] = "DELETE FROM sender_ids WHERE group_name = ?1",
    [SQ_SID_SEED] =
        "INSERT INTO sender_ids (group_name, gid, sender_id, assigned) "
        "SELECT group_name, ?2, sender_id, ?3 FROM members "
        "WHERE group_name = ?1 AND sender_id IS NOT NULL",

    [SQ_MEMBER_JOINED] =
        "SELECT joined FROM members WHERE group_name = ?1 AND node_name = ?2",
    [SQ_MEMBER_UPSERT] =
        "INSERT INTO members (" MEMBER_COLUMNS ") VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
        "ON CONFLICT (group_name, node_name) DO UPDATE SET "
        "flags = excluded.flags, token_id = excluded.token_id, "
        "roles = excluded.roles, sender_id = excluded.sender_id, "
        "cred = excluded.cred, cred_fmt = excluded.cred_fmt, "
        "control_uri = excluded.control_uri, joined = excluded.joined, "
        "updated = excluded.updated, birth_gid = excluded.birth_gid, "
        "clientchallenge = excluded.clientchallenge, "
        "join_scope = excluded.join_scope",
    [SQ_MEMBER_GET] =
        "SELECT " MEMBER_COLUMNS " FROM members "
        "WHERE group_name = ?1 AND node_name = ?2",
    [SQ_MEMBER_GET_BY_TOKEN] =
        "SELECT " MEMBER_COLUMNS " FROM members "
        "WHERE group_name = ?1 AND token_id = ?2",
    [SQ_MEMBER_GET_BY_SID] =
        "SELECT " MEMBER_COLUMNS " FROM members "
        "WHERE group_name = ?1 AND sender_id = ?2",
    [SQ_MEMBER_LIST] =
        "SELECT " MEMBER_COLUMNS " FROM members WHERE group_name = ?1 "
        "ORDER BY node_name",
    [SQ_MEMBER_LIST_BY_TOKEN] =
        "SELECT " MEMBER_COLUMNS " FROM members WHERE token_id = ?1 "
        "ORDER BY group_name, node_name",
    [SQ_MEMBER_DELETE] =
        "DELETE FROM members WHERE group_name = ?1 AND node_name = ?2",
    [SQ_MEMBER_CONFLICT] =
        "SELECT 1 FROM members WHERE group_name = ?1 AND node_name <> ?2 AND "
        "(token_id = ?3 OR (?4 IS NOT NULL AND sender_id = ?4))",

    [SQ_STALE_SET_INSERT] =
        "INSERT OR IGNORE INTO stale_sets (group_name, version) VALUES (?1, ?2)",
    [SQ_STALE_SET_PRUNE] =
        "DELETE FROM stale_sets WHERE group_name = ?1 AND version <= ?2",
    [SQ_STALE_ADD] =
        "INSERT OR IGNORE INTO stale_sids (group_name, version, sender_id) "
        "VALUES (?1, ?2, ?3)",
    [SQ_STALE_RANGE] =
        "SELECT min(version), max(version) FROM stale_sets WHERE group_name = ?1",
    [SQ_STALE_LIST] =
        "SELECT version, sender_id FROM stale_sids WHERE group_name = ?1 AND "
        "version >= ?2 ORDER BY version, sender_id",
};
