/*
 * store-sqlite: the embedded default store, on SQLite.
 *
 * Config section (plugin_config.store-sqlite in the config file):
 *   path            database file, default "<state_dir>/gkdc.db"
 *   busy_timeout_ms how long to wait for another process's lock, default 5000
 *
 * The database runs in WAL mode with synchronous=FULL, so a commit that
 * returned is on disk, and with foreign keys on. The file holds secrets: it
 * is created with mode 0600, and an existing file that others can read or
 * write is made 0600 with a warning before it is opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sqlite_store.h"

#define DEFAULT_BUSY_TIMEOUT_MS 5000
#define DB_FILE_NAME "gkdc.db"

/* ---- file mode ---- */

/* Makes an existing file `path` mode 0600 if others have access to it. A
 * missing file is fine. Returns 1, or 0 after logging. */
static int restrict_mode(struct sq_store *s, const char *path) {
  struct stat sb;

  if (lstat(path, &sb) != 0)
    return errno == ENOENT ? 1 : 0;

  if (!S_ISREG(sb.st_mode)) {
    sq_log(s, GKDC_LOG_ERR, "%s: not a regular file; refusing to use it", path);
    return 0;
  }
  if (sb.st_uid != geteuid()) {
    sq_log(s, GKDC_LOG_ERR,
           "%s: owned by uid %u, not by this process (uid %u); refusing to use it",
           path, (unsigned)sb.st_uid, (unsigned)geteuid());
    return 0;
  }
  if ((sb.st_mode & 077) == 0)
    return 1;

  if (chmod(path, S_IRUSR | S_IWUSR) != 0) {
    sq_log(s, GKDC_LOG_ERR, "%s: mode %03o gives others access and chmod 0600 failed: %s",
           path, (unsigned)(sb.st_mode & 0777), strerror(errno));
    return 0;
  }
  sq_log(s, GKDC_LOG_WARNING,
         "%s: mode was %03o, which let others read secrets; changed it to 0600",
         path, (unsigned)(sb.st_mode & 0777));
  return 1;
}

/*
 * Creates the database file with mode 0600 unless it exists, and restricts
 * the mode of an existing database and of its -wal, -shm and -journal files.
 * SQLite creates those files with the database file's mode.
 */
static int prepare_files(struct sq_store *s) {
  static const char *const suffixes[] = {"-wal", "-shm", "-journal"};
  char aux[4096];
  size_t i;
  int fd;

  if (!restrict_mode(s, s->path))
    return 0;

  fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    sq_log(s, GKDC_LOG_ERR, "%s: cannot open or create the database: %s", s->path,
           strerror(errno));
    return 0;
  }
  close(fd);

  for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
    if (snprintf(aux, sizeof(aux), "%s%s", s->path, suffixes[i]) >= (int)sizeof(aux)) {
      sq_log(s, GKDC_LOG_ERR, "%s: path too long", s->path);
      return 0;
    }
    if (!restrict_mode(s, aux))
      return 0;
  }
  return 1;
}

/* ---- configuration ---- */

/* Rejects settings this plugin does not know, so that a typo does not
 * silently fall back to a default. */
static int check_section(struct sq_store *s, const gkdc_cfg *cfg) {
  size_t i;
  size_t n = gkdc_cfg_count(cfg);

  for (i = 0; i < n; i++) {
    const gkdc_cfg *item = gkdc_cfg_elem0(cfg, i);
    const char *name = gkdc_cfg_name(item);

    if (name == NULL ||
        (strcmp(name, "path") != 0 && strcmp(name, "busy_timeout_ms") != 0)) {
      sq_log(s, GKDC_LOG_ERR,
             "%s: unknown setting \"%s\"; store-sqlite takes path and "
             "busy_timeout_ms",
             gkdc_cfg_where(item), name != NULL ? name : "");
      return 0;
    }
  }
  return 1;
}

/* Builds s->path from the config section or the host's state directory. */
static int choose_path(struct sq_store *s, const gkdc_cfg *cfg) {
  const char *path = NULL;
  const char *dir = NULL;
  size_t len;

  if (cfg != NULL && gkdc_cfg_get0(cfg, "path") != NULL &&
      !gkdc_cfg_get_string(cfg, "path", &path)) {
    sq_log(s, GKDC_LOG_ERR, "%s: the store's path must be a string",
           gkdc_cfg_where(gkdc_cfg_get0(cfg, "path")));
    return 0;
  }
  if (path != NULL) {
    if (path[0] == '\0') {
      sq_log(s, GKDC_LOG_ERR, "%s: the store's path is empty", gkdc_cfg_where(cfg));
      return 0;
    }
    s->path = strdup(path);
    return s->path != NULL;
  }

  if (GKDC_HAS_OP(s->host, state_dir))
    dir = s->host->state_dir();
  if (dir == NULL || dir[0] == '\0') {
    sq_log(s, GKDC_LOG_ERR,
           "no database path: set plugin_config.store-sqlite.path or the host's state "
           "directory");
    return 0;
  }

  len = strlen(dir) + 1 + strlen(DB_FILE_NAME) + 1;
  s->path = malloc(len);
  if (s->path == NULL)
    return 0;
  snprintf(s->path, len, "%s/%s", dir, DB_FILE_NAME);
  return 1;
}

/* ---- opening ---- */

/* Sets a PRAGMA and checks the value it reads back. */
static int pragma_check(struct sq_store *s, const char *sql, const char *expected) {
  sqlite3_stmt *st = NULL;
  const unsigned char *got;
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
  got = sqlite3_column_text(st, 0);
  if (got == NULL || strcmp((const char *)got, expected) != 0) {
    sq_fail(s, GKDC_STORE_E_IO, "%s returned '%s', expected '%s'", sql,
            got != NULL ? (const char *)got : "", expected);
    goto out;
  }
  ok = 1;

out:
  sqlite3_finalize(st);
  return ok;
}

static int open_database(struct sq_store *s, int64_t busy_ms) {
  int rc;

  rc = sqlite3_open_v2(s->path, &s->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
                           SQLITE_OPEN_EXRESCODE,
                       NULL);
  if (rc != SQLITE_OK) {
    sq_log(s, GKDC_LOG_ERR, "%s: cannot open the database: %s", s->path,
           s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    return 0;
  }

  sqlite3_busy_timeout(s->db, (int)busy_ms);

  /* Each setting is read back: journal_mode silently stays "delete" on a
   * file system without shared memory, and foreign_keys is a no-op inside a
   * transaction. */
  if (!pragma_check(s, "PRAGMA journal_mode = WAL", "wal") ||
      !sq_exec(s, "PRAGMA synchronous = FULL") ||
      !pragma_check(s, "PRAGMA synchronous", "2") ||
      !sq_exec(s, "PRAGMA foreign_keys = ON") ||
      !pragma_check(s, "PRAGMA foreign_keys", "1") ||
      !sq_exec(s, "PRAGMA secure_delete = ON")) {
    sq_log(s, GKDC_LOG_ERR, "%s: cannot configure the database: %s", s->path,
           s->detail);
    return 0;
  }

  return sq_schema_migrate(s);
}

static void store_free(struct sq_store *s) {
  if (s == NULL)
    return;

  sq_stmts_free(s);
  if (s->db != NULL) {
    if (s->in_txn)
      sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close_v2(s->db);
  }
  free(s->path);
  free(s);
}

static int store_init(gkdc_plugin *self, const struct gkdc_host_api *host,
                      void **state_out) {
  struct sq_store *s;
  const gkdc_cfg *cfg = NULL;
  int64_t busy_ms = DEFAULT_BUSY_TIMEOUT_MS;
  int ok = 0;

  *state_out = NULL;
  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return 0;
  s->self = self;
  s->host = host;

  if (GKDC_HAS_OP(host, config_get0))
    cfg = host->config_get0(self);

  if (cfg != NULL && !check_section(s, cfg))
    goto out;
  if (cfg != NULL && gkdc_cfg_get0(cfg, "busy_timeout_ms") != NULL &&
      (!gkdc_cfg_get_int(cfg, "busy_timeout_ms", &busy_ms) || busy_ms < 0 ||
       busy_ms > 600000)) {
    sq_log(s, GKDC_LOG_ERR, "%s: busy_timeout_ms must be an integer from 0 to 600000",
           gkdc_cfg_where(gkdc_cfg_get0(cfg, "busy_timeout_ms")));
    goto out;
  }

  if (!choose_path(s, cfg))
    goto out;
  if (!prepare_files(s))
    goto out;
  if (!open_database(s, busy_ms))
    goto out;

  sq_log(s, GKDC_LOG_INFO, "opened %s (schema version %d)", s->path,
         SQ_SCHEMA_VERSION);
  ok = 1;

out:
  if (!ok) {
    store_free(s);
    return 0;
  }
  *state_out = s;
  return 1;
}

static void store_fini(void *state) {
  store_free(state);
}

/* ---- errors and transactions ---- */

static int store_last_error(void *st) {
  return ((struct sq_store *)st)->err;
}

static const char *store_last_error_detail(void *st) {
  struct sq_store *s = st;

  if (s->err == GKDC_STORE_OK)
    return "";
  if (s->detail[0] == '\0')
    return gkdc_store_error_name(s->err);
  return s->detail;
}

static int store_begin(void *st) {
  struct sq_store *s = st;

  sq_op_read(s);
  if (s->in_txn)
    return sq_fail(s, GKDC_STORE_E_STATE, "begin: a transaction is already open");
  if (!sq_exec(s, "BEGIN IMMEDIATE"))
    return 0;
  s->in_txn = 1;
  return 1;
}

static int store_commit(void *st) {
  struct sq_store *s = st;

  sq_op_read(s);
  if (!s->in_txn)
    return sq_fail(s, GKDC_STORE_E_STATE, "commit: no transaction is open");

  s->in_txn = 0;
  if (sq_exec(s, "COMMIT"))
    return 1;

  sq_log(s, GKDC_LOG_ERR, "%s: commit failed, transaction rolled back: %s",
         s->path, s->detail);
  sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  return 0;
}

static int store_rollback(void *st) {
  struct sq_store *s = st;

  sq_op_read(s);
  if (!s->in_txn)
    return 1;

  s->in_txn = 0;
  return sq_exec(s, "ROLLBACK");
}

static void store_record_free(void *st, void *record) {
  (void)st;
  sq_rec_free(record);
}

/* ---- descriptor ---- */

static const struct gkdc_store_ops store_ops = {
    .size = sizeof(struct gkdc_store_ops),
    .last_error = store_last_error,
    .last_error_detail = store_last_error_detail,
    .begin = store_begin,
    .commit = store_commit,
    .rollback = store_rollback,
    .record_free = store_record_free,
    .counter_next = sq_counter_next,
    .counter_get = sq_counter_get,
    .counter_raise = sq_counter_raise,
    .token_put = sq_token_put,
    .token_get = sq_token_get,
    .token_set_kdcchallenge = sq_token_set_kdcchallenge,
    .token_delete = sq_token_delete,
    .token_purge_expired = sq_token_purge_expired,
    .token_list = sq_token_list,
    .cti_get = sq_cti_get,
    .cti_put = sq_cti_put,
    .cti_accept = sq_cti_accept,
    .oscctx_put = sq_oscctx_put,
    .oscctx_get = sq_oscctx_get,
    .oscctx_set_ssn_bound = sq_oscctx_set_ssn_bound,
    .oscctx_set_replay_window = sq_oscctx_set_replay_window,
    .oscctx_delete = sq_oscctx_delete,
    .oscctx_delete_all = sq_oscctx_delete_all,
    .oscctx_list = sq_oscctx_list,
    .group_create = sq_group_create,
    .group_get = sq_group_get,
    .group_get_by_gid = sq_group_get_by_gid,
    .group_list = sq_group_list,
    .group_set_config = sq_group_set_config,
    .group_rekey = sq_group_rekey,
    .group_delete = sq_group_delete,
    .gid_is_used = sq_gid_is_used,
    .sid_allocate = sq_sid_allocate,
    .sid_claim = sq_sid_claim,
    .sid_is_used = sq_sid_is_used,
    .member_put = sq_member_put,
    .member_get = sq_member_get,
    .member_get_by_token = sq_member_get_by_token,
    .member_get_by_sid = sq_member_get_by_sid,
    .member_list = sq_member_list,
    .member_delete = sq_member_delete,
    .stale_add = sq_stale_add,
    .stale_range = sq_stale_range,
    .stale_list = sq_stale_list,
    .member_list_by_token = sq_member_list_by_token,
};

static const struct gkdc_plugin_desc store_desc = {
    .abi_major = GKDC_ABI_MAJOR,
    .abi_minor = GKDC_ABI_MINOR,
    .build_signature = GKDC_BUILD_SIGNATURE,
    .kind = GKDC_PLUGIN_STORE,
    .name = "store-sqlite",
    .version = "1.0.0",
    .description = "durable KDC state in an SQLite database",
    .init = store_init,
    .fini = store_fini,
    .ops = &store_ops,
};

GKDC_PLUGIN_DEFINE(store_desc)
