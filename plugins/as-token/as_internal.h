/*
 * Private interfaces between the files of the as-token plugin.
 *
 * as_plugin.c   descriptor, init and fini, the DTLS PSK lookup, the route
 * as_config.c   the plugin_config section: audiences and clients
 * as_request.c  the /token handler: request parsing and error responses
 * as_issue.c    scope checks, the counters and the CWT itself
 */
#ifndef GKDC_AS_INTERNAL_H
#define GKDC_AS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/as.h>
#include <gkdc/host.h>
#include <gkdc/plugin.h>

/* Limits on configured and requested values, in bytes or entries. */
#define AS_MAX_KEY 32         /* AS-RS key */
#define AS_MAX_KID 32         /* kid of the AS-RS key */
#define AS_MAX_PSK 64         /* client PSK */
#define AS_MAX_IDENTITY 256   /* client PSK identity */
#define AS_MAX_SALT 32        /* OSCORE input material salt */
#define AS_MAX_SCOPE 512      /* encoded AIF scope */
#define AS_MAX_SCOPE_ENTRIES 32
#define AS_MAX_NAME 255       /* audience, group and client names */
#define AS_MAX_CNONCE 64
#define AS_MS_LEN 16          /* OSCORE Master Secret */
#define AS_MAX_TOKEN 1024     /* encoded access token */
#define AS_MAX_CNF 160        /* encoded cnf map */
#define AS_MAX_CTI (AS_MAX_NAME + 20)
#define AS_MAX_ISSUED 1024    /* tokens remembered for revoke and introspect */
#define AS_MAX_LIFETIME (10LL * 365 * 24 * 3600) /* ten years, in seconds */

/* The Tperm bit of the admin scope of the Group Manager; never a role. */
#define AS_TPERM_ADMIN 0x1

/* cti layout of an audience (see docs/as-token.md). */
enum as_cti_format {
  AS_CTI_BINARY = 0, /* 8-byte sequence number; with exi, rs_id comes first */
  AS_CTI_JAVA = 1,   /* UTF-8 rs_id followed by the decimal sequence number */
};

/* One [group name, Tperm] entry of an AIF scope. */
struct as_scope_entry {
  char *group; /* NUL-terminated copy */
  uint64_t tperm;
};

/* An audience (a resource server) and how tokens for it are made. */
struct as_audience {
  char *name;
  uint8_t key[AS_MAX_KEY]; /* the key shared with the RS; wiped in fini */
  size_t key_len;
  uint8_t kid[AS_MAX_KID]; /* kid of that key, sent in the unprotected header */
  size_t kid_len;          /* 0: no kid */
  int32_t alg;             /* COSE AEAD of the token, 10 by default */
  int64_t lifetime;        /* seconds */
  int time_ms;             /* 1: exp, iat and exi are in milliseconds */
  int use_exi;             /* 1: exi instead of exp */
  enum as_cti_format cti_format;
  char *rs_id;             /* cti prefix with exi; defaults to `name` */
  int tagged;              /* 1: the token carries COSE tag 16 */
  size_t salt_len;         /* 0: no salt in the input material */
  int64_t osc_hkdf;        /* input material hkdf, 5 by default */
  int64_t osc_alg;         /* input material alg, 10 by default */
};

/* A client of the AS and what it may ask for. */
struct as_client {
  char *id;
  uint8_t identity[AS_MAX_IDENTITY]; /* DTLS PSK identity */
  size_t identity_len;
  uint8_t psk[AS_MAX_PSK]; /* wiped in fini */
  size_t psk_len;
  size_t *audiences;       /* indices into as_state.audiences; the first is the default */
  size_t audience_count;
  struct as_scope_entry *scope; /* allowed scope */
  size_t scope_count;
};

/* A token issued since start, for token_revoke, introspect and req_cnf. */
struct as_issued {
  uint8_t cti[AS_MAX_CTI];
  size_t cti_len;
  size_t client;        /* index into as_state.clients */
  uint8_t osc_id[8];    /* id of its OSCORE input material */
  size_t osc_id_len;
  int64_t expires_at;   /* Unix seconds */
  int revoked;
};

struct as_state {
  gkdc_plugin *self;
  const struct gkdc_host_api *host;

  const char *issuer; /* iss claim; NULL: no iss. Borrowed from the config. */
  struct as_audience *audiences;
  size_t audience_count;
  struct as_client *clients;
  size_t client_count;

  /* Counters when no store plugin is loaded, seeded randomly at init. */
  uint64_t next_cti_seq;
  uint64_t next_osc_id;

  struct as_issued *issued; /* ring of AS_MAX_ISSUED entries */
  size_t issued_next;
  size_t issued_count;
};

/* Logs through the host. */
void as_log(const struct as_state *st, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- as_config.c ---- */

/* Reads the plugin's config section into `st`. Returns 1, or 0 after
 * logging which setting is wrong. */
int as_config_load(struct as_state *st);

/* Frees and wipes what as_config_load() set up. */
void as_config_free(struct as_state *st);

/* The audience named `name` (`len` bytes), or NULL. */
const struct as_audience *as_audience_find(const struct as_state *st, const char *name,
                                           size_t len);

/* The client with PSK identity `identity`, or NULL. */
const struct as_client *as_client_by_identity(const struct as_state *st,
                                              const uint8_t *identity, size_t len);

/* The client with id `id` (NUL-terminated), or NULL. */
const struct as_client *as_client_by_id(const struct as_state *st, const char *id);

/* ---- as_issue.c ---- */

/*
 * Checks that the encoded AIF scope `scope` is well formed and a subset of
 * what `client` may request: every group listed once, and for each group
 * the roles a subset of the allowed ones. Returns 1, or 0.
 */
int as_scope_allowed(const struct as_client *client, const uint8_t *scope, size_t len);

/* Encodes the client's whole allowed scope into buf; returns the length, or
 * 0 when it does not fit. */
size_t as_scope_encode_allowed(const struct as_client *client, uint8_t *buf, size_t cap);

/* The token_issue operation of struct gkdc_as_ops. */
int as_token_issue(void *state, const struct gkdc_as_token_request *req,
                   struct gkdc_as_token *out, int *err);

/* The token_revoke operation of struct gkdc_as_ops. */
int as_token_revoke(void *state, struct gkdc_bytes cti, int *err);

/* The introspect operation of struct gkdc_as_ops. */
int as_introspect(void *state, const uint8_t *token, size_t token_len, int64_t now,
                  int *active, int *err);

/* ---- as_request.c ---- */

/* The handler of POST /token (a gkdc_handler_fn); `arg` is the as_state. */
int as_token_handler(void *arg, const struct gkdc_request *req,
                     struct gkdc_response *resp);

#endif /* GKDC_AS_INTERNAL_H */
