/*
 * Private interfaces between the files of the group part of `gkdc join`
 * (join_group*.c).
 */
#ifndef GKDC_HOST_JOIN_GROUP_INTERNAL_H
#define GKDC_HOST_JOIN_GROUP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/client.h>
#include <gkdc/credfmt.h>
#include <gkdc/crypto.h>
#include <gkdc/groupctx.h>
#include <gkdc/kdc.h>

#include "client_tool.h"
#include "join_group.h"

#define JG_TIMEOUT_MS 15000
#define JG_NAME_MAX 128   /* group and node names */
#define JG_PATH_MAX 512
#define JG_SCOPE_MAX (JG_NAME_MAX + 16)
#define JG_NONCE_MAX 64   /* N_S and N_KDC accepted from the KDC */
#define JG_CNONCE_LEN 8   /* N_C, the length RFC 9594 recommends at least */

/* The node's key pair: a private key and its parsed credential. */
struct jg_key {
  uint8_t priv[GKDC_MAX_PRIV_LEN];
  size_t priv_len;
  int32_t curve;
  uint8_t *cred_bytes;
  size_t cred_len;
  const struct gkdc_credfmt_ops *credfmt;
  void *credfmt_state;
  gkdc_cred *cred;
  const struct gkdc_cred_info *info; /* get0 of `cred` */
};

/* A parsed credential of another party. */
struct jg_cred {
  const struct gkdc_credfmt_ops *ops;
  void *state;
  gkdc_cred *cred;
  const struct gkdc_cred_info *info;
};

struct gkdc_join_group {
  gkdc_client *c;
  gkdc_client_session *s;
  char group[JG_NAME_MAX];
  char root[JG_NAME_MAX];
  uint64_t roles;
  uint32_t pop_flags;
  int has_key;
  struct jg_key key;
  uint8_t scope[JG_SCOPE_MAX]; /* the scope entry of the last Join Request */
  size_t scope_len;
  uint8_t n_s[JG_NONCE_MAX];   /* the last N_S */
  size_t n_s_len;
  uint8_t n_c[JG_CNONCE_LEN];  /* the last N_C */
  int32_t sign_alg;            /* the group's Signature Algorithm, once known */
  int32_t sign_kty;            /* its key type and curve, once known; 0 when not */
  int32_t sign_curve;
  gkdc_groupctx *ctx;
  int64_t num;
  char node_name[JG_NAME_MAX]; /* NODENAME from the Join Response's Location-Path,
                                * or "" when it had none */
};

int jg_key_load(const char *key_file, const char *cred_file, struct jg_key *out);
void jg_key_clear(struct jg_key *k);
int jg_cred_parse(int64_t cred_fmt, const uint8_t *bytes, size_t len, struct jg_cred *out);
void jg_cred_clear(struct jg_cred *c);

/* Writes ROOT/GROUP or ROOT/GROUP/SUFFIX to `out`. */
int jg_path(const gkdc_join_group *j, const char *suffix, char *out, size_t cap);
/* Sends a protected request (a payload is CF 261) and waits for the
 * response; fails unless the response was OSCORE-protected. */
int jg_request(gkdc_join_group *j, uint32_t method, const char *path, const uint8_t *payload,
               size_t payload_len, struct gkdc_tool_reply *reply);
/* Prints a failed response with its problem details. */
void jg_print_error(const char *what, const struct gkdc_tool_reply *reply);
int jg_random(uint8_t *buf, size_t len);

/* Takes a fresh kdcchallenge (N_S) from a 4.00 with Content-Format 261;
 * returns 0 when the response carries none. */
int jg_take_challenge(gkdc_join_group *j, const struct gkdc_tool_reply *reply);

/*
 * Checks that `key` (loaded from `key_file`) fits the group's Signature
 * Algorithm, key type and curve, when they are known. Returns 1 when it
 * fits or nothing is known yet; 0 after printing what differs, e.g. "the
 * key in FILE is P-256 but group g1 uses EdDSA with Ed25519".
 */
int jg_key_fits(const gkdc_join_group *j, const struct jg_key *key, const char *key_file);

/* PoP evidence of the node's key over `input` ("sign"). */
int jg_pop_create(const gkdc_join_group *j, const struct jg_key *key, const uint8_t *input,
                  size_t input_len, uint8_t *evidence, size_t *evidence_len);
/* Checks kdc_cred_verify over bstr(N_C) | bstr(N_KDC) with the method of
 * the group's mode. */
int jg_kdc_pop_verify(const gkdc_join_group *j, const struct gkdc_groupctx_material *m,
                      struct gkdc_bytes n_c, struct gkdc_bytes kdc_nonce,
                      const struct gkdc_cred_info *kdc, struct gkdc_bytes evidence);

/* Parses a Join Response or Key Distribution Response; views point into
 * `payload`. */
int jg_key_dist_parse(const uint8_t *payload, size_t len, struct gkdc_kdc_key_dist *out);
/* Adds the members of a response to j->ctx. */
int jg_peers_add(gkdc_join_group *j, const struct gkdc_kdc_key_dist *kd, int64_t cred_fmt);

#endif /* GKDC_HOST_JOIN_GROUP_INTERNAL_H */
