/*
 * Internal interfaces between the source files of the credfmt-ccs plugin.
 * Nothing here is exported from the shared object.
 */
#ifndef GKDC_CREDFMT_CCS_H
#define GKDC_CREDFMT_CCS_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/cbor.h>
#include <gkdc/credfmt.h>
#include <gkdc/crypto.h>
#include <gkdc/host.h>

/* CWT claim keys (RFC 8392) and the confirmation method (RFC 8747). */
#define CCS_CLAIM_SUB 2
#define CCS_CLAIM_CNF 8
#define CCS_CNF_COSE_KEY 1

/* Nesting a CCS may use: the claims map, cnf, COSE_Key, and five more
 * levels for the values of other claims and key parameters. */
#define CCS_MAX_DEPTH 8

/* The plugin's state, created by init. */
struct ccs_state {
  gkdc_plugin *self;
  const struct gkdc_host_api *host;
  const struct gkdc_crypto *crypto; /* NULL: points cannot be validated */
};

/* A parsed credential: the view and the copy of the bytes it points into. */
struct gkdc_cred {
  struct gkdc_cred_info info;
  uint8_t pub[GKDC_MAX_PUB_LEN]; /* raw public key, see <gkdc/alg.h> */
  size_t len;
  uint8_t bytes[];               /* the credential as received */
};

/* The fields of a COSE_Key that a CCS credential uses. */
struct ccs_key {
  int32_t kty;
  int32_t curve;
  int32_t alg;       /* 0 when the key names none */
  int alg_stated;
  int has_kid;
  struct gkdc_bytes kid;
  uint8_t pub[GKDC_MAX_PUB_LEN];
  size_t pub_len;
};

/*
 * Decodes the COSE_Key that `d` is positioned on (RFC 9052 section 7) into
 * `key`, checking the types of every known parameter, the key type, the
 * curve, the lengths of x and y, and that `alg` fits the curve. A key that
 * carries a private part (d, -4) is rejected. Returns 1, or 0 with *err set
 * to an enum gkdc_cred_err value.
 */
int ccs_cose_key_decode(struct gkdc_cbor_dec *d, struct ccs_key *key, int *err);

/*
 * Checks that `key`'s public key is a valid point, through the crypto
 * adapter `cx` (Ed25519 and P-256). Returns 1, or 0 with *err set.
 */
int ccs_key_check_point(const struct gkdc_crypto *cx, const struct ccs_key *key,
                        int *err);

#endif /* GKDC_CREDFMT_CCS_H */
