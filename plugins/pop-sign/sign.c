/*
 * pop-sign: proof of possession by signature (RFC 9594 section 4.3.1, for
 * groups that use the group mode of Group OSCORE).
 *
 * The evidence is the signature, with the group's Signature Algorithm, over
 * the PoP input bytes exactly as the caller built them. No COSE structure
 * wraps it. EdDSA evidence is the 64-byte Ed25519 signature.
 * ES256 evidence is raw r || s (64 bytes) as in COSE; with
 * GKDC_POP_F_ECDSA_DER it is the DER SEQUENCE that Java's SHA256withECDSA
 * produces, and verification then accepts either form.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/alg.h>
#include <gkdc/crypto.h>
#include <gkdc/plugin.h>
#include <gkdc/pop.h>

/* Fully specified ids of RFC 9864 that name the same operations. */
#define COSE_ALG_ESP256 (-9)
#define COSE_ALG_ED25519 (-19)

#define RAW_SIG_LEN 64

struct sign_state {
  gkdc_plugin *self;
  const struct gkdc_host_api *host;
  const struct gkdc_crypto *crypto;
};

/* The signature scheme a group algorithm selects. */
struct scheme {
  int32_t alg;   /* the id the alg plugin registers: EdDSA or ES256 */
  int32_t kty;
  int32_t curve;
};

static void sign_log(const struct sign_state *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void sign_log(const struct sign_state *s, int level, const char *fmt, ...)
{
  va_list ap;

  if (s == NULL || !GKDC_HAS_OP(s->host, vlog))
    return;
  va_start(ap, fmt);
  s->host->vlog(s->self, level, fmt, ap);
  va_end(ap);
}

static void set_err(int *err, int value)
{
  if (err != NULL)
    *err = value;
}

/* Maps a group Signature Algorithm to its scheme; 0 when unsupported. */
static int scheme_for(int32_t alg, struct scheme *out)
{
  switch (alg) {
  case GKDC_COSE_ALG_EDDSA:
  case COSE_ALG_ED25519:
    out->alg = GKDC_COSE_ALG_EDDSA;
    out->kty = GKDC_COSE_KTY_OKP;
    out->curve = GKDC_COSE_CRV_ED25519;
    return 1;
  case GKDC_COSE_ALG_ES256:
  case COSE_ALG_ESP256:
    out->alg = GKDC_COSE_ALG_ES256;
    out->kty = GKDC_COSE_KTY_EC2;
    out->curve = GKDC_COSE_CRV_P256;
    return 1;
  default:
    return 0;
  }
}

/*
 * Checks that the key of credential `cred` fits the group's parameters and
 * fills the scheme. The credential's own `alg`, when it states one, must
 * name the same scheme.
 */
static int check_key(const struct gkdc_pop_params *params,
                     const struct gkdc_cred_info *cred, struct scheme *sc,
                     int *err)
{
  struct scheme stated;

  if (params == NULL || cred == NULL || cred->pub.ptr == NULL) {
    *err = GKDC_POP_ERR_BAD_ARGUMENT;
    return 0;
  }
  if (!scheme_for(params->sign_alg, sc)) {
    *err = GKDC_POP_ERR_UNSUPPORTED;
    return 0;
  }
  if (cred->kty != sc->kty || cred->curve != sc->curve ||
      (params->sign_curve != 0 && params->sign_curve != sc->curve)) {
    *err = GKDC_POP_ERR_KEY_MISMATCH;
    return 0;
  }
  if (cred->alg_stated &&
      (!scheme_for(cred->alg, &stated) || stated.alg != sc->alg)) {
    *err = GKDC_POP_ERR_KEY_MISMATCH;
    return 0;
  }
  return 1;
}

static int sign_create(void *st, const struct gkdc_pop_params *params,
                       const struct gkdc_pop_key *own,
                       const struct gkdc_cred_info *peer, const uint8_t *input,
                       size_t input_len, uint8_t *evidence,
                       size_t *evidence_len, int *err)
{
  struct sign_state *s = st;
  struct scheme sc;
  uint8_t raw[RAW_SIG_LEN];
  size_t raw_len = sizeof(raw);
  uint8_t der[GKDC_MAX_DER_SIG_LEN];
  size_t der_len = sizeof(der);
  const uint8_t *sig = raw;
  size_t sig_len;
  int e = GKDC_POP_ERR_INTERNAL;
  int ok = 0;

  if (own == NULL || own->priv == NULL || input == NULL || input_len == 0 ||
      evidence_len == NULL) {
    e = GKDC_POP_ERR_BAD_ARGUMENT;
    goto out;
  }
  if (!check_key(params, own->cred, &sc, &e))
    goto out;
  if (s == NULL || s->crypto == NULL)
    goto out;

  if (!gkdc_crypto_sign(s->crypto, sc.alg, own->priv, own->priv_len, input,
                        input_len, raw, &raw_len) ||
      raw_len != RAW_SIG_LEN) {
    sign_log(s, GKDC_LOG_WARNING, "PoP signature with algorithm %d failed",
             (int)sc.alg);
    goto out;
  }
  sig_len = raw_len;

  if (sc.alg == GKDC_COSE_ALG_ES256 && (params->flags & GKDC_POP_F_ECDSA_DER)) {
    if (!gkdc_crypto_ecdsa_raw_to_der(s->crypto, raw, raw_len, der, &der_len))
      goto out;
    sig = der;
    sig_len = der_len;
  }

  if (evidence == NULL || *evidence_len < sig_len) {
    e = GKDC_POP_ERR_BUFFER;
    goto out;
  }
  memcpy(evidence, sig, sig_len);
  *evidence_len = sig_len;
  ok = 1;

out:
  if (!ok)
    set_err(err, e);
  return ok;
}

/* Verifies a raw signature; 1 when it is valid. */
static int verify_raw(const struct sign_state *s, const struct scheme *sc,
                      const struct gkdc_cred_info *prover, const uint8_t *input,
                      size_t input_len, const uint8_t *sig, size_t sig_len)
{
  return sig_len == RAW_SIG_LEN &&
         gkdc_crypto_verify(s->crypto, sc->alg, prover->pub.ptr,
                            prover->pub.len, input, input_len, sig, sig_len);
}

static int sign_verify(void *st, const struct gkdc_pop_params *params,
                       const struct gkdc_pop_key *own,
                       const struct gkdc_cred_info *prover, const uint8_t *input,
                       size_t input_len, const uint8_t *evidence,
                       size_t evidence_len, int *err)
{
  struct sign_state *s = st;
  struct scheme sc;
  uint8_t raw[RAW_SIG_LEN];
  size_t raw_len = sizeof(raw);
  int e = GKDC_POP_ERR_INTERNAL;
  int ok = 0;

  if (input == NULL || input_len == 0 || evidence == NULL) {
    e = GKDC_POP_ERR_BAD_ARGUMENT;
    goto out;
  }
  if (!check_key(params, prover, &sc, &e))
    goto out;
  if (s == NULL || s->crypto == NULL)
    goto out;

  e = GKDC_POP_ERR_INVALID;
  if (verify_raw(s, &sc, prover, input, input_len, evidence, evidence_len)) {
    ok = 1;
    goto out;
  }

  /* A DER signature can also be 64 bytes long, so the raw attempt above
   * does not rule DER out. */
  if (sc.alg == GKDC_COSE_ALG_ES256 && (params->flags & GKDC_POP_F_ECDSA_DER) &&
      evidence_len <= GKDC_MAX_DER_SIG_LEN &&
      gkdc_crypto_ecdsa_der_to_raw(s->crypto, evidence, evidence_len, raw,
                                   &raw_len) &&
      verify_raw(s, &sc, prover, input, input_len, raw, raw_len))
    ok = 1;

out:
  if (!ok) {
    sign_log(s, GKDC_LOG_DEBUG, "PoP evidence of %zu bytes rejected (error %d)",
             evidence_len, e);
    set_err(err, e);
  }
  return ok;
}

static int sign_init(gkdc_plugin *self, const struct gkdc_host_api *host,
                     void **state_out)
{
  struct sign_state *s = calloc(1, sizeof(*s));

  if (s == NULL)
    return 0;
  s->self = self;
  s->host = host;
  if (GKDC_HAS_OP(host, crypto_get0))
    s->crypto = host->crypto_get0();
  if (s->crypto == NULL) {
    sign_log(s, GKDC_LOG_ERR, "no crypto adapter: cannot sign or verify");
    free(s);
    return 0;
  }
  *state_out = s;
  return 1;
}

static void sign_fini(void *state)
{
  free(state);
}

static const struct gkdc_pop_ops sign_ops = {
  .size = sizeof(struct gkdc_pop_ops),
  .name = GKDC_POP_SIGN,
  .create = sign_create,
  .verify = sign_verify,
};

static const struct gkdc_plugin_desc sign_desc = {
  .abi_major = GKDC_ABI_MAJOR,
  .abi_minor = GKDC_ABI_MINOR,
  .build_signature = GKDC_BUILD_SIGNATURE,
  .kind = GKDC_PLUGIN_POP,
  .name = "pop-sign",
  .version = PLUGIN_VERSION,
  .description = "proof of possession by EdDSA or ES256 signature",
  .init = sign_init,
  .fini = sign_fini,
  .ops = &sign_ops,
};

GKDC_PLUGIN_DEFINE(sign_desc)
