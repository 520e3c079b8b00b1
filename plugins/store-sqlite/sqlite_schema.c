/*
 * Schema of the store-sqlite database and its migrations.
 *
 * The schema version is PRAGMA user_version. migrations[i] takes a database
 * from version i to version i + 1. Each runs in its own transaction together
 * with the user_version update, so a crash leaves the database at one of the
 * versions. New versions append a migration, and shipped ones never change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_store.h"

/*
 * Version 0 -> 1: the first schema.
 *
 * Unsigned 64-bit values (sequence numbers, key versions) are stored as
 * their int64 bit pattern. Byte strings are BLOBs and never NULL, because an
 * empty one is a zero-length blob. Only optional text (audience,
 * control_uri) and absent values with their own meaning (cti_seq, the
 * sender_id of a monitor) are NULL.
 *
 * gids_used and group_history have no foreign key to groups: they outlive a
 * deleted group so that its Gids and key versions are never used again.
 */
static const char migration_1[] =
    "PRAGMA application_id = 1735091299;\n" /* SQ_APPLICATION_ID */

    "CREATE TABLE counters (\n"
    "  name TEXT PRIMARY KEY,\n"
    "  value INTEGER NOT NULL\n"
    ") WITHOUT ROWID;\n"

    "CREATE TABLE tokens (\n"
    "  token_id BLOB PRIMARY KEY,\n"
    "  flags INTEGER NOT NULL,\n"
    "  profile TEXT NOT NULL,\n"
    "  audience TEXT,\n"
    "  scope BLOB NOT NULL,\n"
    "  raw BLOB NOT NULL,\n"
    "  claims BLOB NOT NULL,\n"
    "  cnf_kid BLOB NOT NULL,\n"
    "  exp INTEGER NOT NULL,\n"
    "  exi INTEGER NOT NULL,\n"
    "  received INTEGER NOT NULL,\n"
    "  expires_at INTEGER NOT NULL,\n"
    "  cti_issuer BLOB NOT NULL,\n"
    "  cti_seq INTEGER,\n"
    "  kdcchallenge BLOB NOT NULL,\n"
    "  profile_data BLOB NOT NULL\n"
    ");\n"
    "CREATE INDEX tokens_expires_at ON tokens(expires_at) WHERE expires_at > 0;\n"

    "CREATE TABLE cti_state (\n"
    "  issuer BLOB PRIMARY KEY,\n"
    "  flags INTEGER NOT NULL,\n"
    "  max_seq INTEGER NOT NULL,\n"
    "  window INTEGER NOT NULL,\n"
    "  max_expired INTEGER NOT NULL\n"
    ") WITHOUT ROWID;\n"

    "CREATE TABLE oscore_contexts (\n"
    "  recipient_id BLOB NOT NULL,\n"
    "  has_id_context INTEGER NOT NULL,\n"
    "  id_context BLOB NOT NULL,\n"
    "  token_id BLOB NOT NULL REFERENCES tokens(token_id) ON DELETE CASCADE,\n"
    "  sender_id BLOB NOT NULL,\n"
    "  master_secret BLOB NOT NULL,\n"
    "  master_salt BLOB NOT NULL,\n"
    "  aead_alg INTEGER NOT NULL,\n"
    "  hkdf_alg INTEGER NOT NULL,\n"
    "  ssn_bound INTEGER NOT NULL,\n"
    "  replay_window BLOB NOT NULL,\n"
    "  created INTEGER NOT NULL,\n"
    "  PRIMARY KEY (recipient_id, has_id_context, id_context)\n"
    ");\n"
    "CREATE INDEX oscore_contexts_token ON oscore_contexts(token_id);\n"

    "CREATE TABLE groups (\n"
    "  name TEXT PRIMARY KEY,\n"
    "  flags INTEGER NOT NULL,\n"
    "  gid BLOB NOT NULL UNIQUE,\n"
    "  key_version INTEGER NOT NULL,\n"
    "  master_secret BLOB NOT NULL,\n"
    "  master_salt BLOB NOT NULL,\n"
    "  exp INTEGER NOT NULL,\n"
    "  max_stale_sets INTEGER NOT NULL CHECK (max_stale_sets >= 1),\n"
    "  hkdf_alg INTEGER NOT NULL,\n"
    "  cred_fmt INTEGER NOT NULL,\n"
    "  gp_enc_alg INTEGER NOT NULL,\n"
    "  sign_alg INTEGER NOT NULL,\n"
    "  aead_alg INTEGER NOT NULL,\n"
    "  ecdh_alg INTEGER NOT NULL,\n"
    "  sign_params BLOB NOT NULL,\n"
    "  ecdh_params BLOB NOT NULL,\n"
    "  config BLOB NOT NULL,\n"
    "  config_digest BLOB NOT NULL,\n"
    "  created INTEGER NOT NULL,\n"
    "  sid_next_len INTEGER NOT NULL,\n"
    "  sid_next_value INTEGER NOT NULL\n"
    ");\n"

    "CREATE TABLE group_history (\n"
    "  name TEXT PRIMARY KEY,\n"
    "  last_version INTEGER NOT NULL\n"
    ") WITHOUT ROWID;\n"

    "CREATE TABLE gids_used (\n"
    "  gid BLOB PRIMARY KEY,\n"
    "  group_name TEXT NOT NULL,\n"
    "  first_used INTEGER NOT NULL\n"
    ") WITHOUT ROWID;\n"

    "CREATE TABLE sender_ids (\n"
    "  group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,\n"
    "  gid BLOB NOT NULL,\n"
    "  sender_id BLOB NOT NULL,\n"
    "  assigned INTEGER NOT NULL,\n"
    "  PRIMARY KEY (group_name, gid, sender_id)\n"
    ") WITHOUT ROWID;\n"

    "CREATE TABLE members (\n"
    "  group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,\n"
    "  node_name TEXT NOT NULL,\n"
    "  flags INTEGER NOT NULL,\n"
    "  token_id BLOB NOT NULL,\n"
    "  roles INTEGER NOT NULL,\n"
    "  sender_id BLOB,\n"
    "  cred BLOB NOT NULL,\n"
    "  cred_fmt INTEGER NOT NULL,\n"
    "  control_uri TEXT,\n"
    "  joined INTEGER NOT NULL,\n"
    "  updated INTEGER NOT NULL,\n"
    "  birth_gid BLOB NOT NULL,\n"
    "  clientchallenge BLOB NOT NULL,\n"
    "  join_scope BLOB NOT NULL,\n"
    "  PRIMARY KEY (group_name, node_name)\n"
    ");\n"
    "CREATE UNIQUE INDEX members_sender_id ON members(group_name, sender_id)\n"
    "  WHERE sender_id IS NOT NULL;\n"
    "CREATE UNIQUE INDEX members_token ON members(group_name, token_id);\n"

    "CREATE TABLE stale_sets (\n"
    "  group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,\n"
    "  version INTEGER NOT NULL,\n"
    "  PRIMARY KEY (group_name, version)\n"
    ") WITHOUT ROWID;\n"

    "CREATE TABLE stale_sids (\n"
    "  group_name TEXT NOT NULL,\n"
    "  version INTEGER NOT NULL,\n"
    "  sender_id BLOB NOT NULL,\n"
    "  PRIMARY KEY (group_name, version, sender_id),\n"
    "  FOREIGN KEY (group_name, version) REFERENCES stale_sets(group_name, version)\n"
    "    ON DELETE CASCADE\n"
    ") WITHOUT ROWID;\n";

/* Version 1 -> 2: members can be found by token alone, to end every
 * membership of an expired or revoked token. */
static const char migration_2[] =
    "CREATE INDEX members_by_token ON members(token_id);\n";

static const char *const migrations[SQ_SCHEMA_VERSION] = {
    migration_1,
    migration_2,
};

/* Reads an integer PRAGMA. Returns 1 or 0. */
static int pragma_int(struct sq_store *s, const char *sql, int64_t *out) {
  sqlite3_stmt *st = NULL;
  int ok = 0;
  int rc;

  rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK) {
    sq_fail_db(s, rc, sql);
    goto out;
  }

  rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    sq_fail_db(s, rc, sql);
    goto out;
  }
  *out = sqlite3_column_int64(st, 0);
  ok = 1;

out:
  sqlite3_finalize(st);
  return ok;
}

/* Counts the tables of a database, to tell an empty file from another
 * application's database. */
static int count_tables(struct sq_store *s, int64_t *count) {
  return pragma_int(s,
                    "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
                    count);
}

/* Applies migration `from` -> `from + 1` in one transaction. */
static int apply_migration(struct sq_store *s, int64_t from) {
  char pragma[64];
  int ok = 0;

  if (!sq_exec(s, "BEGIN IMMEDIATE"))
    return 0;

  if (!sq_exec(s, migrations[from]))
    goto out;

  snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", (int)(from + 1));
  if (!sq_exec(s, pragma))
    goto out;

  ok = sq_exec(s, "COMMIT");

out:
  if (!ok)
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  return ok;
}

int sq_schema_migrate(struct sq_store *s) {
  int64_t version = 0;
  int64_t app_id = 0;
  int64_t tables = 0;

  if (!pragma_int(s, "PRAGMA user_version", &version) ||
      !pragma_int(s, "PRAGMA application_id", &app_id) ||
      !count_tables(s, &tables)) {
    sq_log(s, GKDC_LOG_ERR, "%s: cannot read the schema version: %s", s->path,
           s->detail);
    return 0;
  }

  if (version == 0 && tables > 0) {
    sq_log(s, GKDC_LOG_ERR,
           "%s: not a gkdc database (it has tables but no schema version); "
           "point the store's path at a new file",
           s->path);
    return 0;
  }
  if (version > 0 && app_id != SQ_APPLICATION_ID) {
    sq_log(s, GKDC_LOG_ERR,
           "%s: not a gkdc database (application_id %lld, expected %d)",
           s->path, (long long)app_id, SQ_APPLICATION_ID);
    return 0;
  }
  if (version > SQ_SCHEMA_VERSION) {
    sq_log(s, GKDC_LOG_ERR,
           "%s: schema version %lld is newer than version %d of this "
           "store-sqlite plugin; upgrade gkdc",
           s->path, (long long)version, SQ_SCHEMA_VERSION);
    return 0;
  }
  if (version < 0) {
    sq_log(s, GKDC_LOG_ERR, "%s: invalid schema version %lld", s->path,
           (long long)version);
    return 0;
  }

  while (version < SQ_SCHEMA_VERSION) {
    if (!apply_migration(s, version)) {
      sq_log(s, GKDC_LOG_ERR, "%s: migration to schema version %lld failed: %s",
             s->path, (long long)(version + 1), s->detail);
      return 0;
    }
    sq_log(s, GKDC_LOG_NOTICE, "%s: schema migrated to version %lld", s->path,
           (long long)(version + 1));
    version++;
  }

  return 1;
}
