/*
 * Tests of the store-sqlite plugin, loaded from the build tree with a
 * minimal host API table: schema creation and migration, file modes,
 * round trips of every record type, Sender ID allocation, key versions,
 * transactions, and durability when the writer is killed.
 */
#include <config.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include <gkdc/host.h>
#include <gkdc/plugin.h>
#include <gkdc/store.h>

#include "gkdc-test.h"
#include "internal.h"

#define PLUGIN_FILE TOP_BUILDDIR "/plugins/store-sqlite/.libs/store-sqlite.so"

/* The schema version store-sqlite writes. */
#define SCHEMA_VERSION 2

/* ---- the minimal host ---- */

static char state_dir[256];
static const gkdc_cfg *plugin_cfg;
static int64_t fake_now = 1700000000;
static int warnings_logged;
static int errors_logged;
static int quiet_errors;

static void host_vlog(gkdc_plugin *self, int level, const char *fmt, va_list ap) {
  (void)self;
  if (level <= GKDC_LOG_WARNING)
    warnings_logged++;
  if (level <= GKDC_LOG_ERR)
    errors_logged++;
  if (level <= GKDC_LOG_ERR && quiet_errors)
    return;
  if (level <= GKDC_LOG_NOTICE) {
    fprintf(stderr, "store-sqlite: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
  }
}

static void host_log(gkdc_plugin *self, int level, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  host_vlog(self, level, fmt, ap);
  va_end(ap);
}

static const gkdc_cfg *host_config_get0(gkdc_plugin *self) {
  (void)self;
  return plugin_cfg;
}

static int64_t host_now(void) { return fake_now; }

static const char *host_state_dir(void) { return state_dir; }

static const struct gkdc_host_api test_host = {
    .size = sizeof(struct gkdc_host_api),
    .abi_minor = GKDC_ABI_MINOR,
    .log = host_log,
    .vlog = host_vlog,
    .config_get0 = host_config_get0,
    .now = host_now,
    .state_dir = host_state_dir,
};

/* ---- loading the plugin ---- */

static void *plugin_handle;
static const struct gkdc_plugin_desc *desc;
static const struct gkdc_store_ops *ops;

static int load_plugin(void) {
  gkdc_plugin_entry_fn entry;

  plugin_handle = dlopen(PLUGIN_FILE, RTLD_NOW | RTLD_LOCAL);
  if (plugin_handle == NULL) {
    fprintf(stderr, "cannot load %s: %s\n", PLUGIN_FILE, dlerror());
    return 0;
  }
  entry = (gkdc_plugin_entry_fn)(uintptr_t)dlsym(plugin_handle, GKDC_PLUGIN_ENTRY_NAME);
  if (entry == NULL)
    return 0;
  desc = entry();
  ops = desc->ops;
  return 1;
}

/* Opens the store of state_dir; returns its state or NULL. */
static void *store_open(void) {
  void *st = NULL;

  if (!desc->init((gkdc_plugin *)&test_host, &test_host, &st))
    return NULL;
  return st;
}

static void store_close(void *st) { desc->fini(st); }

static char db_path[300];

/* Makes a fresh, empty state directory for one test. */
static void fresh_dir(void) {
  char cmd[400];

  snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", state_dir, state_dir);
  if (system(cmd) != 0)
    abort();
  snprintf(db_path, sizeof(db_path), "%s/gkdc.db", state_dir);
  plugin_cfg = NULL;
}

/* Reads an integer with SQL from the database file, outside the plugin. */
static int64_t sql_int(const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int64_t v = -1;

  if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

/* Runs SQL returning text on the database file; 1 when it equals `want`. */
static int sql_text_is(const char *sql, const char *want) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int same = 0;

  if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
    same = strcmp((const char *)sqlite3_column_text(st, 0), want) == 0;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return same;
}

static int file_mode(const char *path) {
  struct stat sb;

  if (stat(path, &sb) != 0)
    return -1;
  return (int)(sb.st_mode & 0777);
}

static struct gkdc_bytes B(const char *s) {
  struct gkdc_bytes b = {(const uint8_t *)s, strlen(s)};
  return b;
}

static int bytes_eq(struct gkdc_bytes a, struct gkdc_bytes b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* A group with test settings; `gid` and `name` are borrowed. */
static struct gkdc_store_group test_group(const char *name, const char *gid) {
  struct gkdc_store_group g;

  memset(&g, 0, sizeof(g));
  g.size = sizeof(g);
  g.flags = GKDC_STORE_GROUP_ACTIVE | GKDC_STORE_GROUP_MODE;
  g.name = name;
  g.gid = B(gid);
  g.master_secret = B("0123456789abcdef");
  g.master_salt = B("salt");
  g.exp = fake_now + 3600;
  g.max_stale_sets = 3;
  g.hkdf_alg = 5;
  g.cred_fmt = 14;
  g.gp_enc_alg = 10;
  g.sign_alg = -8;
  g.sign_params = B("\x82\x81\x01\x82\x01\x06");
  g.config = B("\xa1\x01\x02");
  g.config_digest = B("digest");
  return g;
}

static struct gkdc_store_token test_token(const char *id) {
  struct gkdc_store_token t;

  memset(&t, 0, sizeof(t));
  t.size = sizeof(t);
  t.token_id = B(id);
  t.ace_profile = "coap_oscore";
  t.audience = "kdc";
  t.scope = B("\x81\x82\x62g1\x06");
  t.raw = B("raw-token-bytes");
  t.claims = B("claims-with-secret");
  t.received = fake_now;
  t.exp = fake_now + 600;
  return t;
}

static struct gkdc_store_member test_member(const char *group, const char *node,
                                            const char *token, const uint8_t *sid,
                                            size_t sid_len) {
  struct gkdc_store_member m;

  memset(&m, 0, sizeof(m));
  m.size = sizeof(m);
  m.group = group;
  m.node_name = node;
  m.token_id = B(token);
  m.roles = 6;
  m.has_sender_id = sid != NULL;
  m.sender_id.ptr = sid;
  m.sender_id.len = sid_len;
  m.cred = B("\xa2\x02\x60\x08\xa1\x01\xa4\x01\x01\x20\x06\x21\x58\x20"
             "0123456789abcdef0123456789abcdef");
  m.cred_fmt = 14;
  m.control_uri = "coap://[::1]/ace-group/g1/node";
  m.birth_gid = B("gid1");
  m.clientchallenge = B("nc-bytes");
  m.join_scope = B("\x46\x82\x62g1\x06");
  return m;
}

/* ---- schema and files ---- */

static void test_schema_created_fresh(void) {
  void *st;

  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT_EQUAL(sql_int("PRAGMA user_version"), SCHEMA_VERSION);
  CU_ASSERT_EQUAL(sql_int("PRAGMA application_id"), 0x676b6463);
  CU_ASSERT(sql_text_is("PRAGMA journal_mode", "wal"));
  CU_ASSERT_EQUAL(sql_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                          "AND name IN ('tokens', 'groups', 'members', 'sender_ids', "
                          "'stale_sids', 'oscore_contexts', 'counters')"),
                  7);
  CU_ASSERT_STRING_EQUAL(desc->name, "store-sqlite");
  CU_ASSERT_EQUAL(desc->kind, GKDC_PLUGIN_STORE);
  CU_ASSERT(ops->size >= sizeof(struct gkdc_store_ops));
  store_close(st);
}

static void test_schema_migrates_from_v0(void) {
  sqlite3 *db = NULL;
  void *st;
  int fd;

  /* An empty file is an SQLite database at user_version 0. */
  fresh_dir();
  fd = open(db_path, O_CREAT | O_WRONLY, 0600);
  CU_ASSERT_FATAL(fd >= 0);
  close(fd);
  CU_ASSERT_EQUAL(sql_int("PRAGMA user_version"), 0);

  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT_EQUAL(sql_int("PRAGMA user_version"), SCHEMA_VERSION);
  store_close(st);

  /* Reopening an up-to-date database runs no migration. */
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL(st);
  CU_ASSERT_EQUAL(sql_int("PRAGMA user_version"), SCHEMA_VERSION);
  store_close(st);

  /* A version 1 database gets the index of migration 2. */
  CU_ASSERT_EQUAL_FATAL(sqlite3_open(db_path, &db), SQLITE_OK);
  CU_ASSERT_EQUAL(sqlite3_exec(db,
                               "DROP INDEX members_by_token; "
                               "PRAGMA user_version = 1",
                               NULL, NULL, NULL),
                  SQLITE_OK);
  sqlite3_close(db);
  CU_ASSERT_EQUAL(sql_int("SELECT count(*) FROM sqlite_schema WHERE name = "
                          "'members_by_token'"),
                  0);
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL(st);
  CU_ASSERT_EQUAL(sql_int("PRAGMA user_version"), SCHEMA_VERSION);
  CU_ASSERT_EQUAL(sql_int("SELECT count(*) FROM sqlite_schema WHERE name = "
                          "'members_by_token'"),
                  1);
  store_close(st);

  /* A database from a newer plugin is rejected. */
  CU_ASSERT_EQUAL_FATAL(sqlite3_open(db_path, &db), SQLITE_OK);
  CU_ASSERT_EQUAL(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL),
                  SQLITE_OK);
  sqlite3_close(db);
  quiet_errors = 1;
  errors_logged = 0;
  st = store_open();
  quiet_errors = 0;
  CU_ASSERT_PTR_NULL(st);
  CU_ASSERT(errors_logged > 0);
  store_close(st);
}

static void test_schema_rejects_foreign_db(void) {
  sqlite3 *db = NULL;
  void *st;

  fresh_dir();
  CU_ASSERT_EQUAL_FATAL(sqlite3_open(db_path, &db), SQLITE_OK);
  CU_ASSERT_EQUAL(sqlite3_exec(db, "CREATE TABLE other (x)", NULL, NULL, NULL),
                  SQLITE_OK);
  sqlite3_close(db);
  chmod(db_path, 0600);

  quiet_errors = 1;
  st = store_open();
  quiet_errors = 0;
  CU_ASSERT_PTR_NULL(st);
  CU_ASSERT_EQUAL(sql_int("SELECT count(*) FROM sqlite_schema"), 1);
  store_close(st);
}

static void test_file_mode_0600(void) {
  char wal[320];
  void *st;
  uint64_t v = 0;
  int fd;

  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT(ops->counter_next(st, "c", &v));
  CU_ASSERT_EQUAL(file_mode(db_path), 0600);
  snprintf(wal, sizeof(wal), "%s-wal", db_path);
  CU_ASSERT_EQUAL(file_mode(wal), 0600);
  store_close(st);

  /* A world-readable existing file is made 0600 with a warning. */
  fresh_dir();
  fd = open(db_path, O_CREAT | O_WRONLY, 0600);
  CU_ASSERT_FATAL(fd >= 0);
  close(fd);
  CU_ASSERT_EQUAL(chmod(db_path, 0644), 0);
  warnings_logged = 0;
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL(st);
  CU_ASSERT_EQUAL(file_mode(db_path), 0600);
  CU_ASSERT(warnings_logged > 0);
  store_close(st);
}

static void test_symlink_rejected(void) {
  char target[320];
  void *st;

  fresh_dir();
  snprintf(target, sizeof(target), "%s/real.db", state_dir);
  CU_ASSERT_EQUAL_FATAL(symlink(target, db_path), 0);
  quiet_errors = 1;
  st = store_open();
  quiet_errors = 0;
  CU_ASSERT_PTR_NULL(st);
  CU_ASSERT_EQUAL(file_mode(target), -1);
  store_close(st);
}

static void test_config_path(void) {
  char text[600];
  char path[320];
  void *st;

  fresh_dir();
  snprintf(path, sizeof(path), "%s/other-name.db", state_dir);
  snprintf(text, sizeof(text),
           "plugin_config = { store-sqlite = { path = \"%s\"; "
           "busy_timeout_ms = 100; }; };",
           path);
  CU_ASSERT_FATAL(gkdc_config_load_string(text));
  plugin_cfg = gkdc_config_plugin_section("store-sqlite");
  CU_ASSERT_PTR_NOT_NULL_FATAL(plugin_cfg);

  st = store_open();
  CU_ASSERT_PTR_NOT_NULL(st);
  CU_ASSERT_EQUAL(file_mode(path), 0600);
  CU_ASSERT_EQUAL(file_mode(db_path), -1);
  store_close(st);

  /* An unknown setting is rejected. */
  CU_ASSERT_FATAL(gkdc_config_load_string(
      "plugin_config = { store-sqlite = { pth = \"x\"; }; };"));
  plugin_cfg = gkdc_config_plugin_section("store-sqlite");
  quiet_errors = 1;
  st = store_open();
  quiet_errors = 0;
  CU_ASSERT_PTR_NULL(st);
  store_close(st);

  plugin_cfg = NULL;
  gkdc_config_free();
}

/* ---- round trips ---- */

static void test_counters(void) {
  void *st;
  uint64_t v = 99;

  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);

  CU_ASSERT(ops->counter_get(st, GKDC_STORE_COUNTER_AS_CTI_SEQ, &v));
  CU_ASSERT_EQUAL(v, 0);
  CU_ASSERT(ops->counter_next(st, GKDC_STORE_COUNTER_AS_CTI_SEQ, &v));
  CU_ASSERT_EQUAL(v, 0);
  CU_ASSERT(ops->counter_next(st, GKDC_STORE_COUNTER_AS_CTI_SEQ, &v));
  CU_ASSERT_EQUAL(v, 1);
  CU_ASSERT(ops->counter_raise(st, GKDC_STORE_COUNTER_AS_CTI_SEQ, 1));
  CU_ASSERT(ops->counter_next(st, GKDC_STORE_COUNTER_AS_CTI_SEQ, &v));
  CU_ASSERT_EQUAL(v, 2);
  CU_ASSERT(ops->counter_raise(st, GKDC_STORE_COUNTER_AS_CTI_SEQ, 1000));
  CU_ASSERT(ops->counter_get(st, GKDC_STORE_COUNTER_AS_CTI_SEQ, &v));
  CU_ASSERT_EQUAL(v, 1000);
  CU_ASSERT(ops->counter_next(st, GKDC_STORE_COUNTER_AS_OSCORE_ID, &v));
  CU_ASSERT_EQUAL(v, 0);
  CU_ASSERT_FALSE(ops->counter_next(st, "", &v));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_INVALID);
  store_close(st);

  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT(ops->counter_next(st, GKDC_STORE_COUNTER_AS_CTI_SEQ, &v));
  CU_ASSERT_EQUAL(v, 1000);
  store_close(st);
}

static void test_token_round_trip(void) {
  struct gkdc_store_token t = test_token("cti-1");
  struct gkdc_store_token *got = NULL;
  void *st;
  uint64_t count = 0;

  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);

  t.flags = GKDC_STORE_TOKEN_SIGN_INFO | GKDC_STORE_TOKEN_HAS_CTI_SEQ;
  t.cnf_kid = B("kid");
  t.exi = 100;
  t.cti_issuer = B("rs1");
  t.cti_seq = 41;
  t.kdcchallenge = B("N_S-8byt");
  t.profile_data = B("\x00\x01\x02");
  CU_ASSERT_FATAL(ops->token_put(st, &t));

  CU_ASSERT_FATAL(ops->token_get(st, t.token_id.ptr, t.token_id.len, &got));
  CU_ASSERT(bytes_eq(got->token_id, t.token_id));
  CU_ASSERT_EQUAL(got->flags, t.flags);
  CU_ASSERT_STRING_EQUAL(got->ace_profile, "coap_oscore");
  CU_ASSERT_STRING_EQUAL(got->audience, "kdc");
  CU_ASSERT(bytes_eq(got->scope, t.scope));
  CU_ASSERT(bytes_eq(got->raw, t.raw));
  CU_ASSERT(bytes_eq(got->claims, t.claims));
  CU_ASSERT(bytes_eq(got->cnf_kid, t.cnf_kid));
  CU_ASSERT_EQUAL(got->exp, t.exp);
  CU_ASSERT_EQUAL(got->exi, 100);
  CU_ASSERT_EQUAL(got->received, fake_now);
  CU_ASSERT_EQUAL(got->expires_at, fake_now + 100);
  CU_ASSERT(bytes_eq(got->cti_issuer, t.cti_issuer));
  CU_ASSERT_EQUAL(got->cti_seq, 41);
  CU_ASSERT(bytes_eq(got->kdcchallenge, t.kdcchallenge));
  CU_ASSERT(bytes_eq(got->profile_data, t.profile_data));
  ops->record_free(st, got);
  got = NULL;

  /* Storing it again later keeps the first receipt time. */
  t.received = fake_now + 50;
  CU_ASSERT(ops->token_put(st, &t));
  CU_ASSERT_FATAL(ops->token_get(st, t.token_id.ptr, t.token_id.len, &got));
  CU_ASSERT_EQUAL(got->received, fake_now);
  CU_ASSERT_EQUAL(got->expires_at, fake_now + 100);
  ops->record_free(st, got);
  got = NULL;

  CU_ASSERT(ops->token_set_kdcchallenge(st, t.token_id.ptr, t.token_id.len,
                                        (const uint8_t *)"new-N_S", 7));
  CU_ASSERT_FATAL(ops->token_get(st, t.token_id.ptr, t.token_id.len, &got));
  CU_ASSERT(bytes_eq(got->kdcchallenge, B("new-N_S")));
  ops->record_free(st, got);
  got = NULL;

  CU_ASSERT_FALSE(ops->token_get(st, (const uint8_t *)"nope", 4, &got));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_NOT_FOUND);
  CU_ASSERT_PTR_NULL(got);
  CU_ASSERT_FALSE(ops->token_set_kdcchallenge(st, (const uint8_t *)"nope", 4, NULL, 0));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_NOT_FOUND);

  /* Expiry deletes the token and marks its cti sequence number expired. */
  CU_ASSERT(ops->token_purge_expired(st, fake_now + 99, &count));
  CU_ASSERT_EQUAL(count, 0);
  CU_ASSERT(ops->token_purge_expired(st, fake_now + 100, &count));
  CU_ASSERT_EQUAL(count, 1);
  CU_ASSERT_FALSE(ops->token_get(st, t.token_id.ptr, t.token_id.len, &got));
  {
    struct gkdc_store_cti c = {.size = sizeof(c)};
    int result = -1;

    CU_ASSERT(ops->cti_get(st, (const uint8_t *)"rs1", 3, &c));
    CU_ASSERT(c.flags & GKDC_STORE_CTI_EXPIRED);
    CU_ASSERT_EQUAL(c.max_expired, 41);
    CU_ASSERT(ops->cti_accept(st, (const uint8_t *)"rs1", 3, 40, &result));
    CU_ASSERT_EQUAL(result, GKDC_STORE_CTI_IS_EXPIRED);
    CU_ASSERT(ops->cti_accept(st, (const uint8_t *)"rs1", 3, 42, &result));
    CU_ASSERT_EQUAL(result, GKDC_STORE_CTI_ACCEPTED);
  }
  store_close(st);
}

static int count_tokens(void *arg, const struct gkdc_store_token *t) {
  (void)t;
  (*(int *)arg)++;
  return 1;
}

static void test_token_list_and_delete(void) {
  struct gkdc_store_token a = test_token("a");
  struct gkdc_store_token b = test_token("b");
  void *st;
  int n = 0;

  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  b.exp = 0;
  CU_ASSERT(ops->token_put(st, &a));
  CU_ASSERT(ops->token_put(st, &b));
  CU_ASSERT(ops->token_list(st, count_tokens, &n));
  CU_ASSERT_EQUAL(n, 2);

  CU_ASSERT(ops->token_delete(st, (const uint8_t *)"a", 1));
  CU_ASSERT_FALSE(ops->token_delete(st, (const uint8_t *)"a", 1));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_NOT_FOUND);

  /* A token without exp or exi never expires. */
  CU_ASSERT(ops->token_purge_expired(st, INT64_MAX, NULL));
  n = 0;
  CU_ASSERT(ops->token_list(st, count_tokens, &n));
  CU_ASSERT_EQUAL(n, 1);

  /* Invalid records are rejected with E_INVALID. */
  b.ace_profile = NULL;
  CU_ASSERT_FALSE(ops->token_put(st, &b));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_INVALID);
  b = test_token("");
  CU_ASSERT_FALSE(ops->token_put(st, &b));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_INVALID);
  b = test_token("c");
  b.size = 8;
  CU_ASSERT_FALSE(ops->token_put(st, &b));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_INVALID);
  store_close(st);
}

static void test_cti_window(void) {
  const uint8_t *is = (const uint8_t *)"issuer";
  struct gkdc_store_cti c = {.size = sizeof(c)};
  void *st;
  int r = -1;

  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);

  CU_ASSERT_FALSE(ops->cti_get(st, is, 6, &c));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_NOT_FOUND);

  CU_ASSERT(ops->cti_accept(st, is, 6, 100, &r));
  CU_ASSERT_EQUAL(r, GKDC_STORE_CTI_ACCEPTED);
  CU_ASSERT(ops->cti_accept(st, is, 6, 100, &r));
  CU_ASSERT_EQUAL(r, GKDC_STORE_CTI_REPLAYED);
  CU_ASSERT(ops->cti_accept(st, is, 6, 98, &r));
  CU_ASSERT_EQUAL(r, GKDC_STORE_CTI_ACCEPTED);
  CU_ASSERT(ops->cti_accept(st, is, 6, 98, &r));
  CU_ASSERT_EQUAL(r, GKDC_STORE_CTI_REPLAYED);
  CU_ASSERT(ops->cti_accept(st, is, 6, 120, &r));
  CU_ASSERT_EQUAL(r, GKDC_STORE_CTI_ACCEPTED);
  CU_ASSERT(ops->cti_accept(st, is, 6, 100, &r));
  CU_ASSERT_EQUAL(r, GKDC_STORE_CTI_REPLAYED);
  CU_ASSERT(ops->cti_accept(st, is, 6, 99, &r));
  CU_ASSERT_EQUAL(r, GKDC_STORE_CTI_ACCEPTED);
  CU_ASSERT(ops->cti_accept(st, is, 6, 56, &r));
  CU_ASSERT_EQUAL(r, GKDC_STORE_CTI_TOO_OLD);

  CU_ASSERT(ops->cti_get(st, is, 6, &c));
  CU_ASSERT_EQUAL(c.max_seq, 120);
  CU_ASSERT(c.flags & GKDC_STORE_CTI_SEEN);
  CU_ASSERT(c.window & 1);
  CU_ASSERT(c.window & ((uint64_t)1 << 20));
  CU_ASSERT(c.window & ((uint64_t)1 << 22));

  /* cti_put replaces the bookkeeping, and it survives a reopen. */
  c.max_expired = 110;
  c.flags |= GKDC_STORE_CTI_EXPIRED;
  CU_ASSERT(ops->cti_put(st, is, 6, &c));
  store_close(st);

  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT(ops->cti_accept(st, is, 6, 110, &r));
  CU_ASSERT_EQUAL(r, GKDC_STORE_CTI_IS_EXPIRED);
  CU_ASSERT(ops->cti_accept(st, is, 6, 120, &r));
  CU_ASSERT_EQUAL(r, GKDC_STORE_CTI_REPLAYED);
  CU_ASSERT(ops->cti_accept(st, is, 6, 500, &r));
  CU_ASSERT_EQUAL(r, GKDC_STORE_CTI_ACCEPTED);
  store_close(st);
}

static int collect_ctx(void *arg, const struct gkdc_store_oscctx *c) {
  int *n = arg;

  (*n)++;
  return c->ssn_bound != 0;
}

static void test_oscctx_round_trip(void) {
  struct gkdc_store_token t = test_token("tok");
  struct gkdc_store_oscctx c;
  struct gkdc_store_oscctx *got = NULL;
  struct gkdc_bytes empty_ctx = {(const uint8_t *)"", 0};
  uint64_t stored = 0;
  void *st;
  int n = 0;

  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);

  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  c.token_id = B("tok");
  c.sender_id = B("\x16\x45");
  c.recipient_id = B("\x00\x00");
  c.recipient_id.len = 2;
  c.master_secret = B("0123456789abcdef");
  c.master_salt = B("salt-bytes");
  c.aead_alg = 10;
  c.hkdf_alg = -10;
  c.ssn_bound = 64;
  c.replay_window = B("\x00\x00\x00\x20");
  c.replay_window.len = 4;

  /* The bound token must exist. */
  CU_ASSERT_FALSE(ops->oscctx_put(st, &c));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_NOT_FOUND);
  CU_ASSERT_FATAL(ops->token_put(st, &t));
  CU_ASSERT_FATAL(ops->oscctx_put(st, &c));

  /* An absent ID Context and an empty one are different keys. */
  CU_ASSERT_FALSE(ops->oscctx_get(st, c.recipient_id.ptr, 2, &empty_ctx, &got));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_NOT_FOUND);
  c.has_id_context = 1;
  c.id_context = empty_ctx;
  c.sender_id = B("x");
  CU_ASSERT(ops->oscctx_put(st, &c));

  CU_ASSERT_FATAL(ops->oscctx_get(st, c.recipient_id.ptr, 2, NULL, &got));
  CU_ASSERT(bytes_eq(got->token_id, B("tok")));
  CU_ASSERT(bytes_eq(got->sender_id, B("\x16\x45")));
  CU_ASSERT_EQUAL(got->recipient_id.len, 2);
  CU_ASSERT_EQUAL(got->has_id_context, 0);
  CU_ASSERT(bytes_eq(got->master_secret, B("0123456789abcdef")));
  CU_ASSERT(bytes_eq(got->master_salt, B("salt-bytes")));
  CU_ASSERT_EQUAL(got->aead_alg, 10);
  CU_ASSERT_EQUAL(got->hkdf_alg, -10);
  CU_ASSERT_EQUAL(got->ssn_bound, 64);
  CU_ASSERT_EQUAL(got->replay_window.len, 4);
  CU_ASSERT_EQUAL(got->created, fake_now);
  ops->record_free(st, got);
  got = NULL;

  /* The sequence number bound never decreases. */
  CU_ASSERT(ops->oscctx_set_ssn_bound(st, c.recipient_id.ptr, 2, NULL, 128, &stored));
  CU_ASSERT_EQUAL(stored, 128);
  CU_ASSERT(ops->oscctx_set_ssn_bound(st, c.recipient_id.ptr, 2, NULL, 96, &stored));
  CU_ASSERT_EQUAL(stored, 128);
  c.has_id_context = 0;
  c.ssn_bound = 0;
  CU_ASSERT(ops->oscctx_put(st, &c));
  CU_ASSERT(ops->oscctx_set_replay_window(st, c.recipient_id.ptr, 2, NULL,
                                          (const uint8_t *)"WIN", 3));
  store_close(st);

  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT_FATAL(ops->oscctx_get(st, c.recipient_id.ptr, 2, NULL, &got));
  CU_ASSERT_EQUAL(got->ssn_bound, 128);
  CU_ASSERT(bytes_eq(got->replay_window, B("WIN")));
  ops->record_free(st, got);
  got = NULL;
  CU_ASSERT_FATAL(ops->oscctx_get(st, c.recipient_id.ptr, 2, &empty_ctx, &got));
  CU_ASSERT_EQUAL(got->has_id_context, 1);
  CU_ASSERT(bytes_eq(got->sender_id, B("x")));
  ops->record_free(st, got);
  got = NULL;

  CU_ASSERT(ops->oscctx_list(st, collect_ctx, &n));
  CU_ASSERT_EQUAL(n, 2);

  /* Deleting the token deletes its contexts. */
  CU_ASSERT(ops->oscctx_delete(st, c.recipient_id.ptr, 2, &empty_ctx));
  CU_ASSERT_FALSE(ops->oscctx_delete(st, c.recipient_id.ptr, 2, &empty_ctx));
  CU_ASSERT(ops->token_delete(st, (const uint8_t *)"tok", 3));
  CU_ASSERT_FALSE(ops->oscctx_get(st, c.recipient_id.ptr, 2, NULL, &got));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_NOT_FOUND);

  /* delete_all empties the table. */
  CU_ASSERT(ops->token_put(st, &t));
  CU_ASSERT(ops->oscctx_put(st, &c));
  CU_ASSERT(ops->oscctx_delete_all(st));
  n = 0;
  CU_ASSERT(ops->oscctx_list(st, collect_ctx, &n));
  CU_ASSERT_EQUAL(n, 0);
  store_close(st);
}

static int count_groups(void *arg, const struct gkdc_store_group *g) {
  (void)g;
  (*(int *)arg)++;
  return 1;
}

static void test_group_round_trip(void) {
  struct gkdc_store_group g = test_group("g1", "gid1");
  struct gkdc_store_group *got = NULL;
  uint64_t version = 99;
  void *st;
  int used = -1;
  int n = 0;

  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);

  CU_ASSERT_FATAL(ops->group_create(st, &g, &version));
  CU_ASSERT_EQUAL(version, 0);
  CU_ASSERT_FALSE(ops->group_create(st, &g, &version));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_EXISTS);

  CU_ASSERT_FATAL(ops->group_get(st, "g1", &got));
  CU_ASSERT_STRING_EQUAL(got->name, "g1");
  CU_ASSERT_EQUAL(got->flags, g.flags);
  CU_ASSERT(bytes_eq(got->gid, g.gid));
  CU_ASSERT_EQUAL(got->key_version, 0);
  CU_ASSERT(bytes_eq(got->master_secret, g.master_secret));
  CU_ASSERT(bytes_eq(got->master_salt, g.master_salt));
  CU_ASSERT_EQUAL(got->exp, g.exp);
  CU_ASSERT_EQUAL(got->max_stale_sets, 3);
  CU_ASSERT_EQUAL(got->hkdf_alg, 5);
  CU_ASSERT_EQUAL(got->cred_fmt, 14);
  CU_ASSERT_EQUAL(got->gp_enc_alg, 10);
  CU_ASSERT_EQUAL(got->sign_alg, -8);
  CU_ASSERT_EQUAL(got->aead_alg, 0);
  CU_ASSERT_EQUAL(got->ecdh_alg, 0);
  CU_ASSERT(bytes_eq(got->sign_params, g.sign_params));
  CU_ASSERT_EQUAL(got->ecdh_params.len, 0);
  CU_ASSERT(bytes_eq(got->config, g.config));
  CU_ASSERT(bytes_eq(got->config_digest, g.config_digest));
  CU_ASSERT_EQUAL(got->created, fake_now);
  ops->record_free(st, got);
  got = NULL;

  CU_ASSERT_FATAL(ops->group_get_by_gid(st, (const uint8_t *)"gid1", 4, &got));
  CU_ASSERT_STRING_EQUAL(got->name, "g1");
  ops->record_free(st, got);
  got = NULL;

  /* set_config changes settings, never the keying material. */
  g.flags = GKDC_STORE_GROUP_PAIRWISE_MODE;
  g.aead_alg = 10;
  g.ecdh_alg = -27;
  g.ecdh_params = B("\x82\x81\x01\x82\x01\x04");
  g.master_secret = B("ignored-secret!!");
  g.max_stale_sets = 5;
  CU_ASSERT(ops->group_set_config(st, &g));
  CU_ASSERT_FATAL(ops->group_get(st, "g1", &got));
  CU_ASSERT_EQUAL(got->flags, GKDC_STORE_GROUP_PAIRWISE_MODE);
  CU_ASSERT_EQUAL(got->ecdh_alg, -27);
  CU_ASSERT_EQUAL(got->max_stale_sets, 5);
  CU_ASSERT(bytes_eq(got->ecdh_params, g.ecdh_params));
  CU_ASSERT(bytes_eq(got->master_secret, B("0123456789abcdef")));
  ops->record_free(st, got);
  got = NULL;

  /* A second group cannot take a used Gid. */
  g = test_group("g2", "gid1");
  CU_ASSERT_FALSE(ops->group_create(st, &g, NULL));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_USED);
  g = test_group("g2", "gid2");
  CU_ASSERT(ops->group_create(st, &g, NULL));
  CU_ASSERT(ops->group_list(st, count_groups, &n));
  CU_ASSERT_EQUAL(n, 2);

  CU_ASSERT(ops->gid_is_used(st, (const uint8_t *)"gid2", 4, &used));
  CU_ASSERT_EQUAL(used, 1);
  CU_ASSERT(ops->gid_is_used(st, (const uint8_t *)"gid3", 4, &used));
  CU_ASSERT_EQUAL(used, 0);

  CU_ASSERT(ops->group_delete(st, "g2"));
  CU_ASSERT_FALSE(ops->group_get(st, "g2", &got));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_NOT_FOUND);
  CU_ASSERT(ops->gid_is_used(st, (const uint8_t *)"gid2", 4, &used));
  CU_ASSERT_EQUAL(used, 1);
  CU_ASSERT_FALSE(ops->group_delete(st, "g2"));
  store_close(st);
}

static void test_key_version_monotonic(void) {
  struct gkdc_store_group g = test_group("g1", "gid-0");
  struct gkdc_store_group *got = NULL;
  uint64_t v = 0;
  char gid[32];
  void *st;
  int i;

  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT_FATAL(ops->group_create(st, &g, &v));
  for (i = 1; i <= 5; i++) {
    snprintf(gid, sizeof(gid), "gid-%d", i);
    CU_ASSERT(ops->group_rekey(st, "g1", (const uint8_t *)gid, strlen(gid),
                               (const uint8_t *)"new-master-secret", 17, NULL, 0,
                               fake_now + 7200, &v));
    CU_ASSERT_EQUAL(v, (uint64_t)i);
  }
  store_close(st);

  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT_FATAL(ops->group_get(st, "g1", &got));
  CU_ASSERT_EQUAL(got->key_version, 5);
  CU_ASSERT(bytes_eq(got->gid, B("gid-5")));
  CU_ASSERT(bytes_eq(got->master_secret, B("new-master-secret")));
  CU_ASSERT_EQUAL(got->master_salt.len, 0);
  CU_ASSERT_EQUAL(got->exp, fake_now + 7200);
  ops->record_free(st, got);
  got = NULL;

  /* A Gid used by an earlier rekey is rejected and changes nothing. */
  CU_ASSERT_FALSE(ops->group_rekey(st, "g1", (const uint8_t *)"gid-2", 5,
                                   (const uint8_t *)"x", 1, NULL, 0, 0, &v));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_USED);
  CU_ASSERT(ops->group_rekey(st, "g1", (const uint8_t *)"gid-6", 5,
                             (const uint8_t *)"x", 1, NULL, 0, 0, &v));
  CU_ASSERT_EQUAL(v, 6);

  /* A group created again under the same name continues after version 6. */
  CU_ASSERT(ops->group_delete(st, "g1"));
  store_close(st);
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  g = test_group("g1", "gid-new");
  CU_ASSERT(ops->group_create(st, &g, &v));
  CU_ASSERT_EQUAL(v, 7);
  CU_ASSERT_FALSE(ops->group_rekey(st, "g1", (const uint8_t *)"gid-0", 5,
                                   (const uint8_t *)"x", 1, NULL, 0, 0, &v));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_USED);
  CU_ASSERT_FALSE(ops->group_rekey(st, "nope", (const uint8_t *)"gid-99", 6,
                                   (const uint8_t *)"x", 1, NULL, 0, 0, &v));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_NOT_FOUND);
  store_close(st);
}

static int collect_members(void *arg, const struct gkdc_store_member *m) {
  char *names = arg;

  strcat(names, m->node_name);
  strcat(names, ",");
  return 1;
}

static void test_member_round_trip(void) {
  struct gkdc_store_group g = test_group("g1", "gid1");
  struct gkdc_store_member m;
  struct gkdc_store_member *got = NULL;
  uint8_t sid1[8], sid2[8];
  size_t len1 = 0, len2 = 0;
  char names[64] = "";
  void *st;

  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT_FATAL(ops->group_create(st, &g, NULL));
  CU_ASSERT_FATAL(ops->sid_allocate(st, "g1", 7, sid1, sizeof(sid1), &len1));
  CU_ASSERT_FATAL(ops->sid_allocate(st, "g1", 7, sid2, sizeof(sid2), &len2));

  m = test_member("g1", "n1", "tok1", sid1, len1);
  m.flags = GKDC_STORE_MEMBER_POP_DONE;
  m.joined = fake_now - 10;
  CU_ASSERT_FATAL(ops->member_put(st, &m));

  CU_ASSERT_FATAL(ops->member_get(st, "g1", "n1", &got));
  CU_ASSERT_STRING_EQUAL(got->group, "g1");
  CU_ASSERT_STRING_EQUAL(got->node_name, "n1");
  CU_ASSERT_EQUAL(got->flags, GKDC_STORE_MEMBER_POP_DONE);
  CU_ASSERT(bytes_eq(got->token_id, B("tok1")));
  CU_ASSERT_EQUAL(got->roles, 6);
  CU_ASSERT_EQUAL(got->has_sender_id, 1);
  CU_ASSERT_EQUAL(got->sender_id.len, len1);
  CU_ASSERT(memcmp(got->sender_id.ptr, sid1, len1) == 0);
  CU_ASSERT(bytes_eq(got->cred, m.cred));
  CU_ASSERT_EQUAL(got->cred_fmt, 14);
  CU_ASSERT_STRING_EQUAL(got->control_uri, m.control_uri);
  CU_ASSERT_EQUAL(got->joined, fake_now - 10);
  CU_ASSERT_EQUAL(got->updated, fake_now);
  CU_ASSERT(bytes_eq(got->birth_gid, m.birth_gid));
  CU_ASSERT(bytes_eq(got->clientchallenge, m.clientchallenge));
  CU_ASSERT(bytes_eq(got->join_scope, m.join_scope));
  ops->record_free(st, got);
  got = NULL;

  CU_ASSERT_FATAL(ops->member_get_by_token(st, "g1", (const uint8_t *)"tok1", 4, &got));
  CU_ASSERT_STRING_EQUAL(got->node_name, "n1");
  ops->record_free(st, got);
  got = NULL;
  CU_ASSERT_FATAL(ops->member_get_by_sid(st, "g1", sid1, len1, &got));
  CU_ASSERT_STRING_EQUAL(got->node_name, "n1");
  ops->record_free(st, got);
  got = NULL;

  /* Conflicts: a Sender ID or a token of another member, an unallocated
   * Sender ID. */
  m = test_member("g1", "n2", "tok2", sid1, len1);
  CU_ASSERT_FALSE(ops->member_put(st, &m));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_EXISTS);
  m = test_member("g1", "n2", "tok1", sid2, len2);
  CU_ASSERT_FALSE(ops->member_put(st, &m));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_EXISTS);
  m = test_member("g1", "n2", "tok2", (const uint8_t *)"\x77\x77", 2);
  CU_ASSERT_FALSE(ops->member_put(st, &m));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_INVALID);
  m = test_member("nogroup", "n2", "tok2", NULL, 0);
  CU_ASSERT_FALSE(ops->member_put(st, &m));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_NOT_FOUND);

  /* A monitor has no Sender ID and no credential. */
  m = test_member("g1", "m1", "tok3", NULL, 0);
  m.roles = 8;
  m.cred.len = 0;
  m.control_uri = NULL;
  CU_ASSERT(ops->member_put(st, &m));
  CU_ASSERT_FATAL(ops->member_get(st, "g1", "m1", &got));
  CU_ASSERT_EQUAL(got->has_sender_id, 0);
  CU_ASSERT_EQUAL(got->cred.len, 0);
  CU_ASSERT_PTR_NULL(got->control_uri);
  ops->record_free(st, got);
  got = NULL;

  /* Re-joining with a new Sender ID keeps the first join time. */
  m = test_member("g1", "n1", "tok1", sid2, len2);
  m.joined = fake_now + 500;
  CU_ASSERT(ops->member_put(st, &m));
  CU_ASSERT_FATAL(ops->member_get(st, "g1", "n1", &got));
  CU_ASSERT_EQUAL(got->joined, fake_now - 10);
  CU_ASSERT(memcmp(got->sender_id.ptr, sid2, len2) == 0);
  ops->record_free(st, got);
  got = NULL;

  CU_ASSERT(ops->member_list(st, "g1", collect_members, names));
  CU_ASSERT_STRING_EQUAL(names, "m1,n1,");

  /* The same token may be bound in several groups. */
  {
    struct gkdc_store_group g2 = test_group("g2", "gid2");

    CU_ASSERT_FATAL(ops->group_create(st, &g2, NULL));
    m = test_member("g2", "x1", "tok1", NULL, 0);
    CU_ASSERT(ops->member_put(st, &m));
    CU_ASSERT_FATAL(GKDC_HAS_OP(ops, member_list_by_token));
    names[0] = '\0';
    CU_ASSERT(ops->member_list_by_token(st, (const uint8_t *)"tok1", 4,
                                        collect_members, names));
    CU_ASSERT_STRING_EQUAL(names, "n1,x1,");
    names[0] = '\0';
    CU_ASSERT(ops->member_list_by_token(st, (const uint8_t *)"none", 4,
                                        collect_members, names));
    CU_ASSERT_STRING_EQUAL(names, "");
    CU_ASSERT_FALSE(ops->member_list_by_token(st, NULL, 0, collect_members, names));
    CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_INVALID);
  }

  CU_ASSERT(ops->member_delete(st, "g1", "m1"));
  CU_ASSERT_FALSE(ops->member_delete(st, "g1", "m1"));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_NOT_FOUND);

  /* Deleting the group deletes its members. */
  CU_ASSERT(ops->group_delete(st, "g1"));
  CU_ASSERT_FALSE(ops->member_get(st, "g1", "n1", &got));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_NOT_FOUND);
  store_close(st);
}

struct stale_seen {
  char text[256];
};

static int collect_stale(void *arg, uint64_t version, const uint8_t *sid, size_t len) {
  struct stale_seen *s = arg;
  char item[32];
  size_t i;

  snprintf(item, sizeof(item), "%llu:", (unsigned long long)version);
  strcat(s->text, item);
  for (i = 0; i < len; i++) {
    snprintf(item, sizeof(item), "%02x", sid[i]);
    strcat(s->text, item);
  }
  strcat(s->text, ",");
  return 1;
}

static void test_stale_sets(void) {
  struct gkdc_store_group g = test_group("g1", "gA");
  struct stale_seen seen;
  uint64_t oldest = 0, newest = 0, v = 0;
  char gid[8];
  void *st;
  int i;

  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT_FATAL(ops->group_create(st, &g, NULL));
  CU_ASSERT(ops->stale_range(st, "g1", &oldest, &newest));
  CU_ASSERT_EQUAL(oldest, 0);
  CU_ASSERT_EQUAL(newest, 0);

  CU_ASSERT(ops->stale_add(st, "g1", (const uint8_t *)"\x01", 1));
  CU_ASSERT(ops->stale_add(st, "g1", (const uint8_t *)"\x01", 1));
  CU_ASSERT(ops->stale_add(st, "g1", (const uint8_t *)"\xfc", 1));

  /* Rekey four times, adding one Sender ID to each new version's set. */
  for (i = 1; i <= 4; i++) {
    snprintf(gid, sizeof(gid), "g%c", 'A' + i);
    CU_ASSERT(ops->group_rekey(st, "g1", (const uint8_t *)gid, 2,
                               (const uint8_t *)"ms", 2, NULL, 0, 0, &v));
    CU_ASSERT(ops->stale_add(st, "g1", (const uint8_t *)&"\x10\x11\x12\x13\x14"[i], 1));
  }

  /* max_stale_sets = 3: versions 2, 3 and 4 remain. */
  CU_ASSERT(ops->stale_range(st, "g1", &oldest, &newest));
  CU_ASSERT_EQUAL(oldest, 2);
  CU_ASSERT_EQUAL(newest, 4);
  memset(&seen, 0, sizeof(seen));
  CU_ASSERT(ops->stale_list(st, "g1", 0, collect_stale, &seen));
  CU_ASSERT_STRING_EQUAL(seen.text, "2:12,3:13,4:14,");
  memset(&seen, 0, sizeof(seen));
  CU_ASSERT(ops->stale_list(st, "g1", 4, collect_stale, &seen));
  CU_ASSERT_STRING_EQUAL(seen.text, "4:14,");

  CU_ASSERT_FALSE(ops->stale_range(st, "nope", &oldest, &newest));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_NOT_FOUND);
  CU_ASSERT_FALSE(ops->stale_add(st, "g1", (const uint8_t *)"12345678", 8));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_INVALID);
  store_close(st);
}

/* ---- Sender IDs ---- */

/* Sender IDs as comparable integers: length in the top byte. */
static uint64_t sid_key(const uint8_t *sid, size_t len) {
  uint64_t k = (uint64_t)len << 56;
  size_t i;

  for (i = 0; i < len; i++)
    k |= (uint64_t)sid[i] << (8 * (len - 1 - i));
  return k;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

  return x < y ? -1 : x > y;
}

/* Counts adjacent equal values of a sorted array. */
static size_t count_duplicates(uint64_t *keys, size_t n) {
  size_t i, dup = 0;

  qsort(keys, n, sizeof(*keys), cmp_u64);
  for (i = 1; i < n; i++)
    dup += keys[i] == keys[i - 1];
  return dup;
}

static void test_sid_never_repeats(void) {
  struct gkdc_store_group g = test_group("g1", "gid1");
  size_t total = gkdc_test_scaled(10000, 600);
  uint64_t *keys = calloc(total, sizeof(*keys));
  uint8_t sid[8];
  size_t len = 0;
  size_t i;
  size_t ok = 0;
  void *st;

  CU_ASSERT_PTR_NOT_NULL_FATAL(keys);
  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT_FATAL(ops->group_create(st, &g, NULL));

  /* A claimed Sender ID is skipped by the allocator. */
  CU_ASSERT(ops->sid_claim(st, "g1", (const uint8_t *)"\x02", 1));
  CU_ASSERT_FALSE(ops->sid_claim(st, "g1", (const uint8_t *)"\x02", 1));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_USED);

  for (i = 0; i < total; i++) {
    /* Close and reopen halfway: the allocator continues, never repeats. */
    if (i == total / 2) {
      store_close(st);
      st = store_open();
      CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    }
    if (!ops->sid_allocate(st, "g1", 7, sid, sizeof(sid), &len))
      break;
    keys[i] = sid_key(sid, len);
    ok++;
  }
  CU_ASSERT_EQUAL(ok, total);
  CU_ASSERT_EQUAL(count_duplicates(keys, ok), 0);
  for (i = 0; i < ok; i++)
    CU_ASSERT_NOT_EQUAL(keys[i], sid_key((const uint8_t *)"\x02", 1));
  /* The first ones are the short ones: h'00', h'01', h'03', ... */
  CU_ASSERT_EQUAL(keys[0], sid_key((const uint8_t *)"\x00", 1));
  CU_ASSERT_EQUAL(keys[2], sid_key((const uint8_t *)"\x03", 1));

  {
    int used = 0;

    CU_ASSERT(ops->sid_is_used(st, "g1", (const uint8_t *)"\x00", 1, &used));
    CU_ASSERT_EQUAL(used, 1);
  }

  /* Errors: unknown group, bad length, small buffer. */
  CU_ASSERT_FALSE(ops->sid_allocate(st, "nope", 7, sid, sizeof(sid), &len));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_NOT_FOUND);
  CU_ASSERT_FALSE(ops->sid_allocate(st, "g1", 8, sid, sizeof(sid), &len));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_INVALID);
  CU_ASSERT_FALSE(ops->sid_allocate(st, "g1", 7, sid, 1, &len));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_TOO_SMALL);
  store_close(st);
  free(keys);
}

static void test_sid_exhaustion_and_rekey(void) {
  struct gkdc_store_group g = test_group("g1", "gid1");
  struct gkdc_store_member m;
  uint8_t sid[8];
  uint8_t kept = 0;
  size_t len = 0;
  int allocated = 0;
  int used = 0;
  void *st;

  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT_FATAL(ops->group_create(st, &g, NULL));

  while (ops->sid_allocate(st, "g1", 1, sid, sizeof(sid), &len)) {
    CU_ASSERT_EQUAL(len, 1);
    if (allocated == 7)
      kept = sid[0];
    allocated++;
    if (allocated > 300)
      break;
  }
  CU_ASSERT_EQUAL(allocated, 256);
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_EXHAUSTED);
  CU_ASSERT_STRING_NOT_EQUAL(ops->last_error_detail(st), "");

  /* Longer Sender IDs are still available. */
  CU_ASSERT(ops->sid_allocate(st, "g1", 2, sid, sizeof(sid), &len));
  CU_ASSERT_EQUAL(len, 2);

  /* A member keeps its Sender ID across a rekey; the others become free. */
  m = test_member("g1", "n1", "tok1", &kept, 1);
  CU_ASSERT_FATAL(ops->member_put(st, &m));
  CU_ASSERT(ops->group_rekey(st, "g1", (const uint8_t *)"gid2", 4,
                             (const uint8_t *)"ms", 2, NULL, 0, 0, NULL));
  CU_ASSERT(ops->sid_is_used(st, "g1", &kept, 1, &used));
  CU_ASSERT_EQUAL(used, 1);
  allocated = 0;
  while (ops->sid_allocate(st, "g1", 1, sid, sizeof(sid), &len)) {
    CU_ASSERT_NOT_EQUAL(sid[0], kept);
    allocated++;
    if (allocated > 300)
      break;
  }
  CU_ASSERT_EQUAL(allocated, 255);
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_EXHAUSTED);
  store_close(st);
}

/* ---- transactions ---- */

static void test_rollback_leaves_no_trace(void) {
  struct gkdc_store_group g = test_group("g1", "gid1");
  struct gkdc_store_token t = test_token("tok1");
  struct gkdc_store_member m;
  struct gkdc_store_member *got = NULL;
  uint8_t sid[8], again[8];
  size_t len = 0, len2 = 0;
  uint64_t v = 0;
  int used = -1;
  void *st;

  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT_FATAL(ops->group_create(st, &g, NULL));

  CU_ASSERT_FALSE(ops->commit(st));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_STATE);
  CU_ASSERT(ops->rollback(st));

  CU_ASSERT_FATAL(ops->begin(st));
  CU_ASSERT_FALSE(ops->begin(st));
  CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_STATE);
  CU_ASSERT(ops->token_put(st, &t));
  CU_ASSERT(ops->sid_allocate(st, "g1", 7, sid, sizeof(sid), &len));
  m = test_member("g1", "n1", "tok1", sid, len);
  CU_ASSERT(ops->member_put(st, &m));
  CU_ASSERT(ops->counter_next(st, "c", &v));
  CU_ASSERT(ops->stale_add(st, "g1", (const uint8_t *)"\x09", 1));
  CU_ASSERT(ops->group_rekey(st, "g1", (const uint8_t *)"gid2", 4,
                             (const uint8_t *)"ms", 2, NULL, 0, 0, &v));
  /* Inside the transaction the changes are visible. */
  CU_ASSERT(ops->member_get(st, "g1", "n1", &got));
  ops->record_free(st, got);
  got = NULL;
  CU_ASSERT(ops->rollback(st));

  CU_ASSERT_FALSE(ops->member_get(st, "g1", "n1", &got));
  {
    struct gkdc_store_token *tok = NULL;

    CU_ASSERT_FALSE(ops->token_get(st, (const uint8_t *)"tok1", 4, &tok));
    CU_ASSERT_EQUAL(ops->last_error(st), GKDC_STORE_E_NOT_FOUND);
  }
  CU_ASSERT(ops->counter_get(st, "c", &v));
  CU_ASSERT_EQUAL(v, 0);
  CU_ASSERT(ops->gid_is_used(st, (const uint8_t *)"gid2", 4, &used));
  CU_ASSERT_EQUAL(used, 0);
  CU_ASSERT(ops->sid_is_used(st, "g1", sid, len, &used));
  CU_ASSERT_EQUAL(used, 0);
  {
    struct gkdc_store_group *gg = NULL;

    CU_ASSERT_FATAL(ops->group_get(st, "g1", &gg));
    CU_ASSERT_EQUAL(gg->key_version, 0);
    CU_ASSERT(bytes_eq(gg->gid, B("gid1")));
    ops->record_free(st, gg);
  }
  /* The rolled-back Sender ID was never announced, so it may come again. */
  CU_ASSERT(ops->sid_allocate(st, "g1", 7, again, sizeof(again), &len2));
  CU_ASSERT_EQUAL(len2, len);
  CU_ASSERT(memcmp(again, sid, len) == 0);
  store_close(st);
}

static void test_commit_survives_reopen(void) {
  struct gkdc_store_group g = test_group("g1", "gid1");
  struct gkdc_store_token t = test_token("tok1");
  struct gkdc_store_member m;
  struct gkdc_store_member *got = NULL;
  uint8_t sid[8];
  size_t len = 0;
  void *st;

  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT_FATAL(ops->group_create(st, &g, NULL));

  CU_ASSERT_FATAL(ops->begin(st));
  CU_ASSERT(ops->token_put(st, &t));
  CU_ASSERT(ops->sid_allocate(st, "g1", 7, sid, sizeof(sid), &len));
  /* A failed operation inside the transaction leaves the others intact. */
  m = test_member("g1", "bad", "tokX", (const uint8_t *)"\x55\x55", 2);
  CU_ASSERT_FALSE(ops->member_put(st, &m));
  m = test_member("g1", "n1", "tok1", sid, len);
  CU_ASSERT(ops->member_put(st, &m));
  CU_ASSERT_FATAL(ops->commit(st));
  store_close(st);

  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT_FATAL(ops->member_get(st, "g1", "n1", &got));
  CU_ASSERT_EQUAL(got->sender_id.len, len);
  ops->record_free(st, got);
  got = NULL;
  CU_ASSERT_FALSE(ops->member_get(st, "g1", "bad", &got));
  store_close(st);
}

/* A visitor may call the store: it deletes every member it visits. */
static void *visit_store;
static int delete_visited(void *arg, const struct gkdc_store_member *m) {
  (*(int *)arg)++;
  return ops->member_delete(visit_store, m->group, m->node_name);
}

static void test_visitor_reenters_store(void) {
  struct gkdc_store_group g = test_group("g1", "gid1");
  struct gkdc_store_member m;
  char name[16], tok[16];
  int visited = 0;
  int i;

  fresh_dir();
  visit_store = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(visit_store);
  CU_ASSERT_FATAL(ops->group_create(visit_store, &g, NULL));
  for (i = 0; i < 5; i++) {
    snprintf(name, sizeof(name), "m%d", i);
    snprintf(tok, sizeof(tok), "t%d", i);
    m = test_member("g1", name, tok, NULL, 0);
    CU_ASSERT(ops->member_put(visit_store, &m));
  }
  CU_ASSERT(ops->member_list(visit_store, "g1", delete_visited, &visited));
  CU_ASSERT_EQUAL(visited, 5);
  visited = 0;
  CU_ASSERT(ops->member_list(visit_store, "g1", delete_visited, &visited));
  CU_ASSERT_EQUAL(visited, 0);
  store_close(visit_store);
}

/* ---- crash safety ---- */

/*
 * The child joins members in a loop, one transaction per join (allocate a
 * Sender ID, store the member, commit), and writes each committed Sender
 * ID to the pipe. The parent kills it with SIGKILL mid-way, then checks
 * that every reported Sender ID belongs to a stored member, that no two
 * members share a Sender ID, and that new allocations never repeat one.
 */
static void crash_child(int fd) {
  struct gkdc_store_member m;
  void *st = store_open();
  uint8_t msg[9];
  uint8_t sid[8];
  size_t len = 0;
  char node[32];
  char tok[32];
  unsigned long i;

  if (st == NULL)
    _exit(2);
  for (i = 0;; i++) {
    snprintf(node, sizeof(node), "node-%lu", i);
    snprintf(tok, sizeof(tok), "token-%lu", i);
    if (!ops->begin(st))
      _exit(3);
    if (!ops->sid_allocate(st, "g1", 7, sid, sizeof(sid), &len))
      _exit(4);
    m = test_member("g1", node, tok, sid, len);
    if (!ops->member_put(st, &m))
      _exit(5);
    if (!ops->commit(st))
      _exit(6);

    msg[0] = (uint8_t)len;
    memcpy(msg + 1, sid, len);
    if (write(fd, msg, sizeof(msg)) != (ssize_t)sizeof(msg))
      _exit(7);
  }
}

static int count_members(void *arg, const struct gkdc_store_member *m) {
  uint64_t **cursor = arg;

  *(*cursor)++ = sid_key(m->sender_id.ptr, m->sender_id.len);
  return 1;
}

static void test_crash_keeps_committed_sids(void) {
  struct gkdc_store_group g = test_group("g1", "gid1");
  size_t target = gkdc_test_scaled(400, 50);
  size_t cap = 1 << 20;
  uint64_t *reported = calloc(cap, sizeof(uint64_t));
  uint64_t *stored = calloc(cap, sizeof(uint64_t));
  uint64_t *cursor = stored;
  size_t nrep = 0;
  size_t nstored;
  size_t i;
  uint8_t msg[9];
  int fds[2];
  int status = 0;
  pid_t pid;
  void *st;

  CU_ASSERT_PTR_NOT_NULL_FATAL(reported);
  CU_ASSERT_PTR_NOT_NULL_FATAL(stored);
  fresh_dir();
  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT_FATAL(ops->group_create(st, &g, NULL));
  store_close(st);

  CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
  fflush(NULL);
  pid = fork();
  CU_ASSERT_FATAL(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    crash_child(fds[1]);
    _exit(0);
  }
  close(fds[1]);

  /* Read until the child reported `target` commits, kill it, then drain
   * what it wrote before it died. */
  while (nrep < cap) {
    ssize_t n = read(fds[0], msg, sizeof(msg));

    if (n == 0)
      break;
    if (n < 0 && errno == EINTR)
      continue;
    if (n != (ssize_t)sizeof(msg))
      break;
    reported[nrep++] = sid_key(msg + 1, msg[0]);
    if (nrep == target)
      kill(pid, SIGKILL);
  }
  close(fds[0]);
  CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
  CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  CU_ASSERT(nrep >= target);

  st = store_open();
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT(ops->member_list(st, "g1", count_members, &cursor));
  nstored = (size_t)(cursor - stored);

  /* Every reported Sender ID is stored; at most one more commit can have
   * landed without being reported. */
  for (i = 0; i < nrep; i++) {
    uint8_t sid[8];
    size_t len = (size_t)(reported[i] >> 56);
    size_t k;
    int used = 0;

    for (k = 0; k < len; k++)
      sid[k] = (uint8_t)(reported[i] >> (8 * (len - 1 - k)));
    CU_ASSERT(ops->sid_is_used(st, "g1", sid, len, &used));
    CU_ASSERT_EQUAL(used, 1);
  }
  CU_ASSERT(nstored >= nrep);
  CU_ASSERT(nstored <= nrep + 1);
  CU_ASSERT_EQUAL(count_duplicates(stored, nstored), 0);
  CU_ASSERT_EQUAL(count_duplicates(reported, nrep), 0);

  /* New allocations after the crash never repeat a stored one. */
  for (i = 0; i < 50 && nstored < cap; i++) {
    uint8_t sid[8];
    size_t len = 0;

    CU_ASSERT_FATAL(ops->sid_allocate(st, "g1", 7, sid, sizeof(sid), &len));
    stored[nstored++] = sid_key(sid, len);
  }
  CU_ASSERT_EQUAL(count_duplicates(stored, nstored), 0);
  store_close(st);
  CU_ASSERT(sql_text_is("PRAGMA integrity_check", "ok"));

  free(reported);
  free(stored);
}

int main(void) {
  CU_pSuite suite;
  const char *tmp = getenv("TMPDIR");

  snprintf(state_dir, sizeof(state_dir), "%s/gkdc-test-store-%ld",
           tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", (long)getpid());
  if (!load_plugin())
    return 1;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("store-sqlite", NULL, NULL);
  CU_add_test(suite, "schema created fresh", test_schema_created_fresh);
  CU_add_test(suite, "schema migrates from v0", test_schema_migrates_from_v0);
  CU_add_test(suite, "schema rejects foreign db", test_schema_rejects_foreign_db);
  CU_add_test(suite, "file mode 0600", test_file_mode_0600);
  CU_add_test(suite, "symlink rejected", test_symlink_rejected);
  CU_add_test(suite, "config path", test_config_path);
  CU_add_test(suite, "counters", test_counters);
  CU_add_test(suite, "token round trip", test_token_round_trip);
  CU_add_test(suite, "token list and delete", test_token_list_and_delete);
  CU_add_test(suite, "cti window", test_cti_window);
  CU_add_test(suite, "oscctx round trip", test_oscctx_round_trip);
  CU_add_test(suite, "group round trip", test_group_round_trip);
  CU_add_test(suite, "key version monotonic", test_key_version_monotonic);
  CU_add_test(suite, "member round trip", test_member_round_trip);
  CU_add_test(suite, "stale sets", test_stale_sets);
  CU_add_test(suite, "sid never repeats", test_sid_never_repeats);
  CU_add_test(suite, "sid exhaustion and rekey", test_sid_exhaustion_and_rekey);
  CU_add_test(suite, "rollback leaves no trace", test_rollback_leaves_no_trace);
  CU_add_test(suite, "commit survives reopen", test_commit_survives_reopen);
  CU_add_test(suite, "visitor reenters store", test_visitor_reenters_store);
  CU_add_test(suite, "crash keeps committed sids", test_crash_keeps_committed_sids);

  {
    int rc = gkdc_test_run();
    char cmd[400];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
    if (system(cmd) != 0)
      rc = 1;
    return rc;
  }
}
