/*
 * Private layout of a Group OSCORE context (groupctx*.c).
 */
#ifndef GKDC_HOST_GROUPCTX_INTERNAL_H
#define GKDC_HOST_GROUPCTX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/crypto.h>
#include <gkdc/groupctx.h>

/* Longest Gid accepted: the HKDF info array is built on the stack. */
#define GCTX_MAX_GID_LEN 64

/* An owned heap copy; wiped when freed. */
struct gctx_buf {
  uint8_t *ptr;
  size_t len;
};

/* A Recipient Context. */
struct gctx_peer {
  uint8_t sid[GKDC_GROUPCTX_MAX_SID_LEN];
  size_t sid_len;
  struct gctx_buf cred;
  uint8_t pub[GKDC_MAX_PUB_LEN];
  size_t pub_len;
  int32_t curve;
  uint64_t roles;
  uint8_t recipient_key[GKDC_MAX_KEY_LEN];
  int has_pairwise;
  uint8_t pw_sender_key[GKDC_MAX_KEY_LEN];
  uint8_t pw_recipient_key[GKDC_MAX_KEY_LEN];
};

struct gkdc_groupctx {
  const struct gkdc_crypto *cx;

  /* Common Context settings. 0 is "not set" for algorithms. */
  int32_t hkdf, alg, gp_enc_alg, sign_alg, ecdh_alg;
  int32_t sign_kty, sign_curve, ecdh_kty, ecdh_curve;
  int64_t cred_fmt;
  struct gctx_buf ms, salt, gid, gm_cred;

  /* Sender Context. */
  int has_sender;
  uint8_t sid[GKDC_GROUPCTX_MAX_SID_LEN];
  size_t sid_len;
  struct gctx_buf own_cred, own_priv;
  int32_t own_curve;

  /* Lengths computed from the algorithms. */
  int32_t main_alg;   /* Group Encryption Algorithm if set, else AEAD Algorithm */
  size_t key_len;     /* Sender and Recipient Keys */
  size_t pw_key_len;  /* pairwise keys: the AEAD Algorithm's key length */
  size_t sek_len;
  size_t iv_len;
  size_t max_sid_len;

  /* Derived keys. */
  uint8_t sender_key[GKDC_MAX_KEY_LEN];
  uint8_t common_iv[GKDC_MAX_NONCE_LEN];
  uint8_t sign_enc_key[GKDC_MAX_KEY_LEN];

  struct gctx_peer *peers;
  size_t peer_count;
  size_t peer_cap;
};

#endif /* GKDC_HOST_GROUPCTX_INTERNAL_H */
