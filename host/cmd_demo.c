/*
 * `gkdc demo`: the whole job on loopback, one line per step.
 *
 *   gkdc demo [--state-dir DIR] [--group NAME] [-v]
 *
 * 1. Makes fresh keys in DIR: the Group Manager's and two nodes' Ed25519
 *    key pairs (the `gkdc keygen` command), the key the AS shares with the
 *    KDC and the nodes' DTLS pre-shared keys (random bytes).
 * 2. Writes DIR/as.cfg and DIR/kdc.cfg from the templates below and starts
 *    both as `gkdc serve` child processes on 127.0.0.1 port 0; the KDC's
 *    SQLite store lives in DIR/kdc.
 * 3. For node1 and then node2: `gkdc token` at the AS and `gkdc join` of
 *    the group at the KDC, which writes the node's Group OSCORE context
 *    file.
 * 4. Compares the two contexts by fingerprints (never keys): the same Gid,
 *    Common IV and Signature Encryption Key, node2 has node1's Sender ID
 *    and credential, and node1's Sender Key equals node2's Recipient Key
 *    for node1.
 * 5. Stops both hosts with SIGTERM and exits 0 when every check held.
 *
 * The group has rekey_on_join off (the default), so node2's join leaves
 * node1's keying material current and node1 needs no rekeying message.
 * The children run this same executable; their output goes to log files
 * in DIR, one per host and one per node.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gkdc/cbor.h>
#include <gkdc/cose.h>
#include <gkdc/crypto.h>
#include <gkdc/groupctx.h>

#include "client_tool.h"
#include "commands.h"
#include "internal.h"

#define DEMO_FILE_MAX (64 * 1024)
#define HOST_START_MS 10000
#define HOST_STOP_MS 5000

/* The AS: as-token over DTLS PSK. Arguments: state dir, listen scheme,
 * audience key, node1 PSK, node2 PSK, group (twice). */
static const char as_config_template[] =
    "# gkdc demo AS. Demo only: its keys are made fresh for each run.\n"
    "log = { level = \"info\"; sink = \"stderr\"; };\n"
    "plugins = ( \"alg-boringssl\", \"store-sqlite\", \"as-token\" );\n"
    "state_dir = \"%s/as\";\n"
    "listen = ( { uri = \"%s://127.0.0.1:0\"; } );\n"
    "plugin_config = {\n"
    "  as-token = {\n"
    "    issuer = \"gkdc-as\";\n"
    "    audiences = ( { name = \"kdc\"; key = \"%s\"; kid = \"6b31\"; } );\n"
    "    clients = (\n"
    "      { id = \"node1\"; psk = \"%s\"; audiences = [ \"kdc\" ];\n"
    "        scope = ( { group = \"%s\"; roles = [ \"requester\", \"responder\" ]; } ); },\n"
    "      { id = \"node2\"; psk = \"%s\"; audiences = [ \"kdc\" ];\n"
    "        scope = ( { group = \"%s\"; roles = [ \"requester\", \"responder\" ]; } ); } );\n"
    "  };\n"
    "};\n";

/* The KDC: profile-oscore, kdc-groupcomm and the Group OSCORE plugins.
 * Arguments: state dir, audience key, group, GM credential, GM key. */
static const char kdc_config_template[] =
    "# gkdc demo KDC. Demo only: its keys are made fresh for each run.\n"
    "log = { level = \"info\"; sink = \"stderr\"; };\n"
    "plugins = ( \"alg-boringssl\", \"store-sqlite\", \"profile-oscore\", \"credfmt-ccs\",\n"
    "            \"pop-sign\", \"appprofile-group-oscore\", \"kdc-groupcomm\" );\n"
    "state_dir = \"%s/kdc\";\n"
    "listen = ( { uri = \"coap://127.0.0.1:0\"; } );\n"
    "plugin_config = {\n"
    "  profile-oscore = { audience = \"kdc\"; issuer = \"gkdc-as\";\n"
    "                     as_keys = ( { key = \"%s\"; kid = \"6b31\"; } ); };\n"
    "  kdc-groupcomm = {\n"
    "    groups = ( { name = \"%s\"; gm_cred = \"%s\"; gm_key = \"%s\"; } );\n"
    "  };\n"
    "};\n";

/* Fields of a Group OSCORE context file that the demo compares. */
struct demo_ctx {
  uint8_t *file; /* the whole file; SECRET */
  size_t file_len;
  struct gkdc_bytes gid;
  struct gkdc_bytes sender_id;
  struct gkdc_bytes sender_key;
  struct gkdc_bytes common_iv;
  struct gkdc_bytes sign_enc_key;
  struct gkdc_bytes own_cred;
  struct gkdc_bytes recipients; /* the encoded recipients array; empty when absent */
};

struct demo {
  char dir[PATH_MAX];
  char exe[PATH_MAX];
  const char *group;
  int verbose;
  pid_t as_pid;
  pid_t kdc_pid;
  char as_uri[256];
  char kdc_uri[256];
  char psk[2][33];
};

static void print_usage(FILE *out) {
  fprintf(out,
          "Usage: gkdc demo [--state-dir DIR] [--group NAME] [-v]\n"
          "\n"
          "Runs an AS and a KDC on 127.0.0.1, lets two nodes join a group through\n"
          "them and checks that both derive matching Group OSCORE contexts.\n"
          "Prints one line per step and exits 0 when every check held.\n"
          "\n"
          "Options:\n"
          "  --state-dir DIR  directory for keys, configs, logs and the KDC's store;\n"
          "                   created, and must be empty (default: a new directory\n"
          "                   under $TMPDIR or /tmp, kept after the run)\n"
          "  --group NAME     the group's name (default g1)\n"
          "  -v, --verbose    children log at debug level\n"
          "  -h, --help       print this help and exit\n");
}

/* ---- files ---- */

static int path_join(char *out, size_t cap, const char *dir, const char *name) {
  int n = snprintf(out, cap, "%s/%s", dir, name);

  return n > 0 && (size_t)n < cap;
}

static void hex_encode(const uint8_t *p, size_t len, char *out) {
  size_t i;

  for (i = 0; i < len; i++)
    sprintf(out + 2 * i, "%02x", p[i]);
  out[2 * len] = '\0';
}

/* Fills `out` with `len` random bytes from the kernel. */
static int random_bytes(uint8_t *out, size_t len) {
  FILE *f = fopen("/dev/urandom", "rb");
  int ok;

  if (f == NULL)
    return 0;
  ok = fread(out, 1, len, f) == len;
  fclose(f);
  return ok;
}

/* Writes `text` to DIR/NAME with mode 0600. */
static int write_text(const struct demo *d, const char *name, const char *text) {
  char path[PATH_MAX];

  return path_join(path, sizeof(path), d->dir, name) &&
         gkdc_tool_write_file(path, (const uint8_t *)text, strlen(text), 0600);
}

/* Prints the last lines of a child's log after a failed step. */
static void show_log(const struct demo *d, const char *name) {
  char path[PATH_MAX];
  uint8_t *data = NULL;
  size_t len = 0, start;
  int lines = 0;

  if (!path_join(path, sizeof(path), d->dir, name) ||
      !gkdc_tool_read_file(path, DEMO_FILE_MAX, &data, &len))
    return;
  start = len;
  while (start > 0 && lines < 12) {
    start--;
    if (data[start] == '\n' && start + 1 < len)
      lines++;
  }
  fprintf(stderr, "--- last lines of %s ---\n%.*s", path, (int)(len - start),
          (const char *)data + start);
  free(data);
}

/* ---- child processes ---- */

/* Starts this executable with `args` (NULL-terminated, args[0] the
 * subcommand), its stdout and stderr appended to DIR/LOG. Returns the pid
 * or -1. */
static pid_t spawn(const struct demo *d, const char *log, const char *const *args) {
  char path[PATH_MAX];
  char *argv[32];
  size_t n = 0;
  pid_t pid;
  int fd;

  if (!path_join(path, sizeof(path), d->dir, log))
    return -1;
  argv[n++] = (char *)"gkdc";
  while (args[n - 1] != NULL && n < 31) {
    argv[n] = (char *)args[n - 1];
    n++;
  }
  argv[n] = NULL;

  fflush(NULL);
  pid = fork();
  if (pid != 0)
    return pid;
  fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
    _exit(127);
  close(fd);
  execv(d->exe, argv);
  _exit(127);
}

/* Runs a child to its end; 1 when it exited with 0. */
static int run_child(const struct demo *d, const char *log, const char *const *args) {
  pid_t pid = spawn(d, log, args);
  int status = 0;

  if (pid < 0)
    return 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return 0;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "gkdc demo: `gkdc %s` failed\n", args[0]);
    show_log(d, log);
    return 0;
  }
  return 1;
}

static void sleep_ms(long ms) {
  struct timespec ts;

  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

/*
 * Starts `gkdc serve -c DIR/NAME.cfg --endpoints-file DIR/NAME.endpoints`
 * and waits until the endpoints file has its first URI, which it copies to
 * `uri`. Returns the pid, or -1 after printing why.
 */
static pid_t start_host(const struct demo *d, const char *name, char *uri, size_t cap) {
  char cfg[PATH_MAX], ep[PATH_MAX], log[64];
  const char *args[8];
  pid_t pid;
  int waited;

  snprintf(log, sizeof(log), "%s.cfg", name);
  if (!path_join(cfg, sizeof(cfg), d->dir, log))
    return -1;
  snprintf(log, sizeof(log), "%s.endpoints", name);
  if (!path_join(ep, sizeof(ep), d->dir, log))
    return -1;
  snprintf(log, sizeof(log), "%s.log", name);
  args[0] = "serve";
  args[1] = "-c";
  args[2] = cfg;
  args[3] = "--endpoints-file";
  args[4] = ep;
  args[5] = d->verbose ? "-v" : NULL;
  args[6] = NULL;
  pid = spawn(d, log, args);
  if (pid < 0)
    return -1;

  for (waited = 0; waited < HOST_START_MS; waited += 50) {
    FILE *f = fopen(ep, "r");
    int status;

    if (f != NULL) {
      int got = fgets(uri, (int)cap, f) != NULL;

      fclose(f);
      if (got && strchr(uri, '\n') != NULL) {
        uri[strcspn(uri, "\r\n")] = '\0';
        return pid;
      }
    }
    if (waitpid(pid, &status, WNOHANG) == pid) {
      fprintf(stderr, "gkdc demo: the %s host exited during start\n", name);
      show_log(d, log);
      return -1;
    }
    sleep_ms(50);
  }
  fprintf(stderr, "gkdc demo: the %s host wrote no endpoints in %d ms\n", name, HOST_START_MS);
  show_log(d, log);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  return -1;
}

/* Stops a host with SIGTERM (SIGKILL after HOST_STOP_MS); 1 when it
 * exited with 0. */
static int stop_host(pid_t pid) {
  int status = 0, waited;

  if (pid <= 0)
    return 1;
  kill(pid, SIGTERM);
  for (waited = 0; waited < HOST_STOP_MS; waited += 50) {
    if (waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    sleep_ms(50);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  return 0;
}

/* ---- keys and configs ---- */

/*
 * Runs `gkdc keygen` for NAME and reads back the private key `d` of
 * DIR/NAME.key and the credential DIR/NAME.key.ccs, both as hex.
 */
static int make_key(const struct demo *d, const char *name, char *key_hex, size_t key_cap,
                    char *cred_hex, size_t cred_cap) {
  char key_path[PATH_MAX], ccs_path[PATH_MAX + 8], file[64];
  const char *args[] = {"keygen", "--curve", "ed25519", "--subject", name, "--out", key_path,
                        NULL};
  uint8_t *key = NULL, *ccs = NULL;
  size_t key_len = 0, ccs_len = 0;
  struct gkdc_cbor_dec dec, v;
  struct gkdc_bytes priv;
  int ok = 0;

  snprintf(file, sizeof(file), "%s.key", name);
  if (!path_join(key_path, sizeof(key_path), d->dir, file))
    return 0;
  snprintf(ccs_path, sizeof(ccs_path), "%s.ccs", key_path);
  if (!run_child(d, "keygen.log", args) ||
      !gkdc_tool_read_file(key_path, DEMO_FILE_MAX, &key, &key_len) ||
      !gkdc_tool_read_file(ccs_path, DEMO_FILE_MAX, &ccs, &ccs_len))
    goto out;
  if (gkdc_cbor_dec_init(&dec, key, key_len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&dec, NULL) ||
      !gkdc_cbor_dec_map_find_int(&dec, GKDC_COSE_KEY_D, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &priv) || 2 * priv.len >= key_cap ||
      2 * ccs_len >= cred_cap) {
    fprintf(stderr, "gkdc demo: %s has no private key d\n", key_path);
    goto out;
  }
  hex_encode(priv.ptr, priv.len, key_hex);
  hex_encode(ccs, ccs_len, cred_hex);
  ok = 1;

out:
  if (key != NULL)
    gkdc_wipe(key, key_len);
  free(key);
  free(ccs);
  return ok;
}

/* Writes as.cfg and kdc.cfg with fresh keys. */
static int write_configs(struct demo *d) {
  char gm_key[65], gm_cred[512], as_key[33], text[4096];
  uint8_t raw[16];
  int i, n;
  const char *scheme = "coaps";

#ifndef GKDC_HAVE_DTLS
  scheme = "coap";
#endif
  if (!make_key(d, "gm", gm_key, sizeof(gm_key), gm_cred, sizeof(gm_cred)))
    return 0;
  if (!random_bytes(raw, sizeof(raw)))
    return 0;
  hex_encode(raw, sizeof(raw), as_key);
  for (i = 0; i < 2; i++) {
    if (!random_bytes(raw, sizeof(raw)))
      return 0;
    hex_encode(raw, sizeof(raw), d->psk[i]);
  }
  gkdc_wipe(raw, sizeof(raw));

  n = snprintf(text, sizeof(text), as_config_template, d->dir, scheme, as_key, d->psk[0],
               d->group, d->psk[1], d->group);
  if (n < 0 || (size_t)n >= sizeof(text) || !write_text(d, "as.cfg", text))
    return 0;
  n = snprintf(text, sizeof(text), kdc_config_template, d->dir, as_key, d->group, gm_cred,
               gm_key);
  gkdc_wipe(gm_key, sizeof(gm_key));
  gkdc_wipe(as_key, sizeof(as_key));
  if (n < 0 || (size_t)n >= sizeof(text) || !write_text(d, "kdc.cfg", text))
    return 0;
  gkdc_wipe(text, sizeof(text));
  return 1;
}

/* Makes the state directory and its host subdirectories. */
static int make_dirs(struct demo *d, const char *dir) {
  char sub[PATH_MAX];

  if (dir == NULL) {
    const char *tmp = getenv("TMPDIR");

    snprintf(d->dir, sizeof(d->dir), "%s/gkdc-demo.XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    if (mkdtemp(d->dir) == NULL) {
      fprintf(stderr, "gkdc demo: cannot create %s: %s\n", d->dir, strerror(errno));
      return 0;
    }
  } else {
    if (realpath(dir, d->dir) == NULL) {
      if (mkdir(dir, 0700) != 0 || realpath(dir, d->dir) == NULL) {
        fprintf(stderr, "gkdc demo: cannot create %s: %s\n", dir, strerror(errno));
        return 0;
      }
    } else if (rmdir(d->dir) != 0 || mkdir(d->dir, 0700) != 0) {
      fprintf(stderr, "gkdc demo: --state-dir %s must be an empty directory\n", dir);
      return 0;
    }
  }
  return path_join(sub, sizeof(sub), d->dir, "as") && mkdir(sub, 0700) == 0 &&
         path_join(sub, sizeof(sub), d->dir, "kdc") && mkdir(sub, 0700) == 0;
}

/* ---- the nodes ---- */

/* Gets node N's token from the AS and joins the group at the KDC; the
 * context goes to DIR/nodeN.ctx. */
static int node_join(const struct demo *d, int n) {
  char name[16], log[32], key[PATH_MAX], tok[PATH_MAX], ctx[PATH_MAX], file[32], scope[128];
  const char *token_args[16], *join_args[16];
  size_t i = 0;

  snprintf(name, sizeof(name), "node%d", n);
  snprintf(log, sizeof(log), "node%d.log", n);
  snprintf(file, sizeof(file), "node%d.key", n);
  if (!path_join(key, sizeof(key), d->dir, file))
    return 0;
  snprintf(file, sizeof(file), "node%d.token", n);
  if (!path_join(tok, sizeof(tok), d->dir, file))
    return 0;
  snprintf(file, sizeof(file), "node%d.ctx", n);
  if (!path_join(ctx, sizeof(ctx), d->dir, file))
    return 0;
  snprintf(scope, sizeof(scope), "[[\"%s\", 6]]", d->group);

  token_args[i++] = "token";
  token_args[i++] = "--as";
  token_args[i++] = d->as_uri;
  token_args[i++] = "--psk-identity";
  token_args[i++] = name;
  token_args[i++] = "--psk-key";
  token_args[i++] = d->psk[n - 1];
  token_args[i++] = "--audience";
  token_args[i++] = "kdc";
  token_args[i++] = "--scope";
  token_args[i++] = scope;
  token_args[i++] = "--out";
  token_args[i++] = tok;
  token_args[i] = NULL;
  if (!run_child(d, log, token_args))
    return 0;
  printf("%s: access token from the AS for scope %s\n", name, scope);

  i = 0;
  join_args[i++] = "join";
  join_args[i++] = "--token";
  join_args[i++] = tok;
  join_args[i++] = "--rs";
  join_args[i++] = d->kdc_uri;
  join_args[i++] = "--group";
  join_args[i++] = d->group;
  join_args[i++] = "--key";
  join_args[i++] = key;
  join_args[i++] = "--out";
  join_args[i++] = ctx;
  join_args[i++] = "--until-context";
  join_args[i] = NULL;
  return run_child(d, log, join_args);
}

/* Reads DIR/nodeN.ctx and finds the fields the checks use. */
static int ctx_read(const struct demo *d, int n, struct demo_ctx *c) {
  char path[PATH_MAX], file[32];
  struct gkdc_cbor_dec dec, v;
  static const struct {
    int64_t label;
    size_t offset;
  } fields[] = {
      {6, offsetof(struct demo_ctx, gid)},
      {7, offsetof(struct demo_ctx, sender_id)},
      {GKDC_GROUPCTX_F_SENDER_KEY, offsetof(struct demo_ctx, sender_key)},
      {GKDC_GROUPCTX_F_COMMON_IV, offsetof(struct demo_ctx, common_iv)},
      {GKDC_GROUPCTX_F_SIGN_ENC_KEY, offsetof(struct demo_ctx, sign_enc_key)},
      {GKDC_GROUPCTX_F_OWN_CRED, offsetof(struct demo_ctx, own_cred)},
  };
  size_t i;

  memset(c, 0, sizeof(*c));
  snprintf(file, sizeof(file), "node%d.ctx", n);
  if (!path_join(path, sizeof(path), d->dir, file) ||
      !gkdc_tool_read_file(path, DEMO_FILE_MAX, &c->file, &c->file_len))
    return 0;
  if (gkdc_cbor_dec_init(&dec, c->file, c->file_len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&dec, NULL)) {
    fprintf(stderr, "gkdc demo: %s is not a context file\n", path);
    return 0;
  }
  for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    struct gkdc_bytes *b = (struct gkdc_bytes *)((char *)c + fields[i].offset);

    if (gkdc_cbor_dec_map_find_int(&dec, fields[i].label, &v) &&
        !gkdc_cbor_dec_get_bstr(&v, b)) {
      fprintf(stderr, "gkdc demo: field %lld of %s is not a byte string\n",
              (long long)fields[i].label, path);
      return 0;
    }
  }
  if (gkdc_cbor_dec_map_find_int(&dec, GKDC_GROUPCTX_F_RECIPIENTS, &v) &&
      !gkdc_cbor_dec_get_raw(&v, &c->recipients))
    return 0;
  return 1;
}

static void ctx_clear(struct demo_ctx *c) {
  if (c->file != NULL)
    gkdc_wipe(c->file, c->file_len);
  free(c->file);
  memset(c, 0, sizeof(*c));
}

/* Finds the recipient entry for `sid` in `c`; fills its credential and
 * Recipient Key. */
static int ctx_recipient(const struct demo_ctx *c, struct gkdc_bytes sid,
                         struct gkdc_bytes *cred, struct gkdc_bytes *key) {
  struct gkdc_cbor_dec arr, entry, v;
  size_t count, i;

  if (c->recipients.len == 0 ||
      gkdc_cbor_dec_init(&arr, c->recipients.ptr, c->recipients.len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_array(&arr, &count))
    return 0;
  for (i = 0; i < count; i++) {
    struct gkdc_bytes raw, rid;

    if (!gkdc_cbor_dec_get_raw(&arr, &raw))
      return 0;
    if (gkdc_cbor_dec_init(&entry, raw.ptr, raw.len, NULL) != GKDC_CBOR_OK ||
        !gkdc_cbor_dec_enter_map(&entry, NULL) || !gkdc_cbor_dec_map_find_int(&entry, 0, &v) ||
        !gkdc_cbor_dec_get_bstr(&v, &rid))
      continue;
    if (rid.len != sid.len || memcmp(rid.ptr, sid.ptr, sid.len) != 0)
      continue;
    return gkdc_cbor_dec_map_find_int(&entry, 1, &v) && gkdc_cbor_dec_get_bstr(&v, cred) &&
           gkdc_cbor_dec_map_find_int(&entry, 2, &v) && gkdc_cbor_dec_get_bstr(&v, key);
  }
  return 0;
}

static int same(struct gkdc_bytes a, struct gkdc_bytes b) {
  return a.len > 0 && a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

/* Prints "WHAT: node1 fp X, node2 fp Y: match" and returns 1 on a match. */
static int compare(const struct gkdc_crypto *cx, const char *what, const char *left,
                   struct gkdc_bytes a, const char *right, struct gkdc_bytes b) {
  char fa[9] = "-", fb[9] = "-";
  int ok = same(a, b);

  if (a.len > 0)
    gkdc_groupctx_fingerprint(cx, a, fa);
  if (b.len > 0)
    gkdc_groupctx_fingerprint(cx, b, fb);
  printf("%s: %s fp %s, %s fp %s: %s\n", what, left, fa, right, fb,
         ok ? "match" : "MISMATCH");
  return ok;
}

/* Compares the two context files; prints one line per check. */
static int compare_contexts(const struct demo *d) {
  struct demo_ctx c1, c2;
  struct gkdc_bytes cred = {NULL, 0}, rkey = {NULL, 0};
  const struct gkdc_crypto *cx;
  char sid[17] = "-";
  int ok = 0;

  memset(&c2, 0, sizeof(c2));
  if (!ctx_read(d, 1, &c1) || !ctx_read(d, 2, &c2))
    goto out;
  if (!gkdc_tool_host_start(NULL, "\"alg-boringssl\"", NULL, d->verbose))
    goto out;
  cx = gkdc_host_api()->crypto_get0();

  if (c1.sender_id.len > 0 && c1.sender_id.len <= 8)
    hex_encode(c1.sender_id.ptr, c1.sender_id.len, sid);
  ok = ctx_recipient(&c2, c1.sender_id, &cred, &rkey);
  printf("node2 knows node1 as Recipient ID %s: %s\n", sid, ok ? "yes" : "NO");
  ok &= compare(cx, "Gid", "node1", c1.gid, "node2", c2.gid);
  ok &= compare(cx, "Common IV", "node1", c1.common_iv, "node2", c2.common_iv);
  ok &= compare(cx, "Signature Encryption Key", "node1", c1.sign_enc_key, "node2",
                c2.sign_enc_key);
  ok &= compare(cx, "node1's credential", "node1", c1.own_cred, "node2", cred);
  ok &= compare(cx, "node1's Sender Key", "node1 Sender Key", c1.sender_key,
                "node2 Recipient Key", rkey);
  ok &= !same(c1.sender_id, c2.sender_id);
  gkdc_tool_host_stop();

out:
  ctx_clear(&c1);
  ctx_clear(&c2);
  return ok;
}

/* ---- the command ---- */

static int run_demo(struct demo *d, const char *state_dir) {
  ssize_t n;
  int ok = 0, stopped;

  n = readlink("/proc/self/exe", d->exe, sizeof(d->exe) - 1);
  if (n <= 0) {
    fprintf(stderr, "gkdc demo: cannot find this executable: %s\n", strerror(errno));
    return 0;
  }
  d->exe[n] = '\0';
  if (!make_dirs(d, state_dir))
    goto out;
  printf("state directory %s\n", d->dir);

  if (!write_configs(d)) {
    fprintf(stderr, "gkdc demo: cannot write the configs in %s\n", d->dir);
    goto out;
  }
  printf("fresh demo keys: Group Manager Ed25519 key, AS-KDC key, node PSKs; "
         "as.cfg and kdc.cfg written\n");

  d->as_pid = start_host(d, "as", d->as_uri, sizeof(d->as_uri));
  if (d->as_pid < 0)
    goto out;
  printf("AS host (as-token) serves %s\n", d->as_uri);
  d->kdc_pid = start_host(d, "kdc", d->kdc_uri, sizeof(d->kdc_uri));
  if (d->kdc_pid < 0)
    goto out;
  printf("KDC host (kdc-groupcomm, store in %s/kdc) serves %s\n", d->dir, d->kdc_uri);

  {
    char key_hex[65], cred_hex[512];
    int i;

    for (i = 1; i <= 2; i++) {
      char name[16];

      snprintf(name, sizeof(name), "node%d", i);
      if (!make_key(d, name, key_hex, sizeof(key_hex), cred_hex, sizeof(cred_hex)))
        goto out;
    }
    gkdc_wipe(key_hex, sizeof(key_hex));
    printf("node1 and node2: fresh Ed25519 key pairs and CCS credentials\n");
  }

  if (!node_join(d, 1))
    goto out;
  printf("node1: joined group %s and derived its Group OSCORE context\n", d->group);
  if (!node_join(d, 2))
    goto out;
  printf("node2: joined group %s and derived its Group OSCORE context\n", d->group);

  ok = compare_contexts(d);

out:
  stopped = stop_host(d->kdc_pid) & stop_host(d->as_pid);
  if (d->as_pid > 0)
    printf("hosts stopped with SIGTERM%s\n", stopped ? "" : " (one did not exit cleanly)");
  ok = ok && stopped;
  if (d->dir[0] != '\0')
    printf("demo %s; logs in %s\n", ok ? "passed" : "FAILED", d->dir);
  else
    printf("demo FAILED\n");
  return ok;
}

int gkdc_cmd_demo(int argc, char **argv) {
  static const struct option options[] = {
      {"state-dir", required_argument, NULL, 'd'},
      {"group", required_argument, NULL, 'g'},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  struct demo d;
  const char *state_dir = NULL;
  int opt;

  memset(&d, 0, sizeof(d));
  d.group = "g1";
  while ((opt = getopt_long(argc, argv, "vh", options, NULL)) != -1) {
    switch (opt) {
    case 'd':
      state_dir = optarg;
      break;
    case 'g':
      d.group = optarg;
      break;
    case 'v':
      d.verbose = 1;
      break;
    case 'h':
      print_usage(stdout);
      return GKDC_EXIT_OK;
    default:
      print_usage(stderr);
      return GKDC_EXIT_USAGE;
    }
  }
  if (optind < argc || d.group[0] == '\0' || strlen(d.group) > 63 ||
      strpbrk(d.group, "/\"\\\n") != NULL) {
    fprintf(stderr, "gkdc demo: invalid arguments or group name\n");
    print_usage(stderr);
    return GKDC_EXIT_USAGE;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  return run_demo(&d, state_dir) ? GKDC_EXIT_OK : GKDC_EXIT_FAILURE;
}
