/*
 * Unit tests of COSE (include/gkdc/cose.h): the RFC 8392 Appendix A tokens,
 * round trips of every message type, tamper detection, header checks and
 * COSE_Key parsing. Cryptography runs on the alg-boringssl plugin of the
 * build tree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/alg.h>
#include <gkdc/cbor.h>
#include <gkdc/cose.h>
#include <gkdc/cwt.h>

#include "../gkdc-test.h"
#include "test_cbor_util.h"
#include "test_cose_crypto.h"
#include "test_cwt_vectors.h"

static struct test_crypto tc;

static int suite_init(void)
{
  return test_crypto_open(&tc) ? 0 : 1;
}

static int suite_clean(void)
{
  test_crypto_close(&tc);
  return 0;
}

/* The A.2.3 public key as 04||x||y. */
static size_t ec_public(uint8_t *pub)
{
  pub[0] = 0x04;
  unhex(RFC8392_KEY_EC_X, pub + 1, 32);
  unhex(RFC8392_KEY_EC_Y, pub + 33, 32);
  return 65;
}

/* Checks that the claims set at `p` is the A.1 claims set. */
static void check_rfc8392_claims(const uint8_t *p, size_t n)
{
  struct gkdc_cwt_claims c;

  CU_ASSERT_EQUAL_FATAL(gkdc_cwt_claims_parse(p, n, &c), GKDC_CBOR_OK);
  CU_ASSERT_EQUAL(c.iss.len, 21);
  CU_ASSERT_EQUAL(memcmp(c.iss.ptr, "coap://as.example.com", 21), 0);
  CU_ASSERT_EQUAL(c.sub.len, 5);
  CU_ASSERT(gkdc_cwt_aud_contains(&c, "coap://light.example.com"));
  CU_ASSERT_EQUAL(c.exp, 1444064944);
  CU_ASSERT_EQUAL(c.nbf, 1443944944);
  CU_ASSERT_EQUAL(c.iat, 1443944944);
  CU_ASSERT_EQUAL(c.cti.len, 2);
}

static void test_rfc8392_sign1(void)
{
  uint8_t tok[256];
  size_t n = unhex(RFC8392_SIGN1, tok, sizeof(tok));
  uint8_t pub[65];
  size_t pub_len = ec_public(pub);
  struct gkdc_cose_msg m;

  CU_ASSERT_EQUAL_FATAL(gkdc_cose_parse(tok, n, GKDC_COSE_ANY, &m), GKDC_COSE_OK);
  CU_ASSERT_EQUAL(m.type, GKDC_COSE_SIGN1);
  CU_ASSERT(m.tagged);
  CU_ASSERT_FALSE(m.cwt_tagged);
  CU_ASSERT(m.hdr.has_alg);
  CU_ASSERT_EQUAL(m.hdr.alg, GKDC_COSE_ALG_ES256);
  CU_ASSERT_EQUAL(m.hdr.kid.len, 18);
  CU_ASSERT_FALSE(m.hdr.kid_protected);
  CU_ASSERT_EQUAL(m.hdr.protected_bstr.len, 3);
  CU_ASSERT_EQUAL(m.payload.len, 80);

  CU_ASSERT_EQUAL(gkdc_cose_sign1_verify(&tc.cx, &m, GKDC_COSE_ALG_ES256, pub, pub_len,
                                         NULL, 0),
                  GKDC_COSE_OK);
  check_rfc8392_claims(m.payload.ptr, m.payload.len);

  /* A key bound to EdDSA must not verify an ES256 signature. */
  CU_ASSERT_EQUAL(gkdc_cose_sign1_verify(&tc.cx, &m, GKDC_COSE_ALG_EDDSA, pub, pub_len,
                                         NULL, 0),
                  GKDC_COSE_ERR_ALG);
  /* External AAD is authenticated. */
  CU_ASSERT_EQUAL(gkdc_cose_sign1_verify(&tc.cx, &m, 0, pub, pub_len,
                                         (const uint8_t *)"x", 1),
                  GKDC_COSE_ERR_VERIFY);

  /* Tampering with the payload or the signature breaks verification. */
  tok[40] ^= 0x01;
  CU_ASSERT_EQUAL_FATAL(gkdc_cose_parse(tok, n, GKDC_COSE_SIGN1, &m), GKDC_COSE_OK);
  CU_ASSERT_EQUAL(gkdc_cose_sign1_verify(&tc.cx, &m, 0, pub, pub_len, NULL, 0),
                  GKDC_COSE_ERR_VERIFY);
  tok[40] ^= 0x01;
  tok[n - 1] ^= 0x80;
  CU_ASSERT_EQUAL_FATAL(gkdc_cose_parse(tok, n, GKDC_COSE_SIGN1, &m), GKDC_COSE_OK);
  CU_ASSERT_EQUAL(gkdc_cose_sign1_verify(&tc.cx, &m, 0, pub, pub_len, NULL, 0),
                  GKDC_COSE_ERR_VERIFY);

  /* The tag is Sign1, so a parse that expects Mac0 fails. */
  CU_ASSERT_EQUAL(gkdc_cose_parse(tok, n, GKDC_COSE_MAC0, &m), GKDC_COSE_ERR_WRONG_TYPE);
}

static void test_rfc8392_mac0(void)
{
  uint8_t tok[256];
  size_t n = unhex(RFC8392_MAC0, tok, sizeof(tok));
  uint8_t key[32];
  struct gkdc_cose_msg m;

  unhex(RFC8392_KEY_SYM256, key, sizeof(key));
  CU_ASSERT_EQUAL_FATAL(gkdc_cose_parse(tok, n, GKDC_COSE_ANY, &m), GKDC_COSE_OK);
  CU_ASSERT_EQUAL(m.type, GKDC_COSE_MAC0);
  CU_ASSERT(m.cwt_tagged);
  CU_ASSERT_EQUAL(m.hdr.alg, GKDC_COSE_ALG_HMAC_256_64);
  CU_ASSERT_EQUAL(m.auth.len, 8);
  CU_ASSERT_EQUAL(gkdc_cose_mac0_verify(&tc.cx, &m, 0, key, sizeof(key), NULL, 0),
                  GKDC_COSE_OK);
  check_rfc8392_claims(m.payload.ptr, m.payload.len);

  key[0] ^= 1;
  CU_ASSERT_EQUAL(gkdc_cose_mac0_verify(&tc.cx, &m, 0, key, sizeof(key), NULL, 0),
                  GKDC_COSE_ERR_VERIFY);
  key[0] ^= 1;
  tok[n - 3] ^= 0x10;
  gkdc_cose_parse(tok, n, GKDC_COSE_MAC0, &m);
  CU_ASSERT_EQUAL(gkdc_cose_mac0_verify(&tc.cx, &m, 0, key, sizeof(key), NULL, 0),
                  GKDC_COSE_ERR_VERIFY);
}

static void test_rfc8392_encrypt0(void)
{
  uint8_t tok[256];
  size_t n = unhex(RFC8392_ENCRYPT0, tok, sizeof(tok));
  uint8_t claims[128];
  size_t claims_len = unhex(RFC8392_CLAIMS, claims, sizeof(claims));
  uint8_t key[16];
  uint8_t out[128];
  size_t out_len = sizeof(out);
  struct gkdc_cose_msg m;

  unhex(RFC8392_KEY_SYM128, key, sizeof(key));
  CU_ASSERT_EQUAL_FATAL(gkdc_cose_parse(tok, n, GKDC_COSE_ANY, &m), GKDC_COSE_OK);
  CU_ASSERT_EQUAL(m.type, GKDC_COSE_ENCRYPT0);
  CU_ASSERT_EQUAL(m.hdr.iv.len, 13);
  CU_ASSERT_EQUAL(gkdc_cose_encrypt0_decrypt(&tc.cx, &m, GKDC_COSE_ALG_AES_CCM_16_64_128,
                                             key, sizeof(key), NULL, 0, out, &out_len),
                  GKDC_COSE_OK);
  CU_ASSERT_EQUAL(out_len, claims_len);
  CU_ASSERT_EQUAL(memcmp(out, claims, claims_len), 0);

  /* Small output buffer, wrong key size, tampered ciphertext. */
  out_len = claims_len - 1;
  CU_ASSERT_EQUAL(gkdc_cose_encrypt0_decrypt(&tc.cx, &m, 0, key, sizeof(key), NULL, 0,
                                             out, &out_len),
                  GKDC_COSE_ERR_BUFFER);
  out_len = sizeof(out);
  CU_ASSERT_EQUAL(gkdc_cose_encrypt0_decrypt(&tc.cx, &m, 0, key, 15, NULL, 0, out,
                                             &out_len),
                  GKDC_COSE_ERR_KEY);
  tok[n - 20] ^= 0x04;
  gkdc_cose_parse(tok, n, GKDC_COSE_ENCRYPT0, &m);
  memset(out, 0, sizeof(out));
  out_len = sizeof(out);
  CU_ASSERT_EQUAL(gkdc_cose_encrypt0_decrypt(&tc.cx, &m, 0, key, sizeof(key), NULL, 0,
                                             out, &out_len),
                  GKDC_COSE_ERR_VERIFY);
  CU_ASSERT_EQUAL(out[0], 0);
}

static void test_rfc8392_nested(void)
{
  uint8_t tok[256];
  size_t n = unhex(RFC8392_NESTED, tok, sizeof(tok));
  uint8_t inner_want[256];
  size_t inner_want_len = unhex(RFC8392_SIGN1, inner_want, sizeof(inner_want));
  uint8_t key[16];
  uint8_t inner[256];
  size_t inner_len = sizeof(inner);
  uint8_t pub[65];
  size_t pub_len = ec_public(pub);
  struct gkdc_cose_msg m;

  unhex(RFC8392_KEY_SYM128, key, sizeof(key));
  CU_ASSERT_EQUAL_FATAL(gkdc_cose_parse(tok, n, GKDC_COSE_ENCRYPT0, &m), GKDC_COSE_OK);
  CU_ASSERT_EQUAL_FATAL(gkdc_cose_encrypt0_decrypt(&tc.cx, &m, 0, key, sizeof(key), NULL,
                                                   0, inner, &inner_len),
                        GKDC_COSE_OK);
  CU_ASSERT_EQUAL(inner_len, inner_want_len);
  CU_ASSERT_EQUAL(memcmp(inner, inner_want, inner_len), 0);

  /* The plaintext is the tagged A.3 Sign1, which verifies in turn. */
  CU_ASSERT_EQUAL_FATAL(gkdc_cose_parse(inner, inner_len, GKDC_COSE_ANY, &m),
                        GKDC_COSE_OK);
  CU_ASSERT_EQUAL(m.type, GKDC_COSE_SIGN1);
  CU_ASSERT_EQUAL(gkdc_cose_sign1_verify(&tc.cx, &m, 0, pub, pub_len, NULL, 0),
                  GKDC_COSE_OK);
  check_rfc8392_claims(m.payload.ptr, m.payload.len);
}

/* Signs, parses and verifies one Sign1 under `params` with a fresh key. */
static void sign1_round_trip(int32_t alg, int32_t curve, const struct gkdc_cose_params *p)
{
  static const uint8_t payload[] = "group keying material";
  static const uint8_t aad[] = {0x01, 0x02};
  uint8_t priv[32];
  size_t priv_len = sizeof(priv);
  uint8_t pub[65];
  size_t pub_len = sizeof(pub);
  uint8_t out[256];
  size_t out_len = sizeof(out);
  struct gkdc_cose_msg m;

  CU_ASSERT_FATAL(gkdc_crypto_keygen(&tc.cx, curve, priv, &priv_len, pub, &pub_len));
  CU_ASSERT_EQUAL_FATAL(gkdc_cose_sign1_create(&tc.cx, p, priv, priv_len, payload,
                                               sizeof(payload), aad, sizeof(aad), out,
                                               &out_len),
                        GKDC_COSE_OK);
  CU_ASSERT_EQUAL(out[0] == 0xd2, p->tagged);
  CU_ASSERT_EQUAL_FATAL(gkdc_cose_parse(out, out_len, GKDC_COSE_SIGN1, &m), GKDC_COSE_OK);
  CU_ASSERT_EQUAL(m.tagged, p->tagged);
  CU_ASSERT_EQUAL(m.hdr.alg, alg);
  CU_ASSERT_EQUAL(m.hdr.kid.len, p->kid.len);
  if (p->kid.ptr != NULL)
    CU_ASSERT_EQUAL(m.hdr.kid_protected, p->kid_protected);
  CU_ASSERT_EQUAL(gkdc_cose_sign1_verify(&tc.cx, &m, alg, pub, pub_len, aad, sizeof(aad)),
                  GKDC_COSE_OK);
  CU_ASSERT_EQUAL(gkdc_cose_sign1_verify(&tc.cx, &m, alg, pub, pub_len, NULL, 0),
                  GKDC_COSE_ERR_VERIFY);

  /* The encoded message has a deterministic protected header. */
  CU_ASSERT_EQUAL(m.hdr.protected_bstr.ptr[0] & 0xe0, 0xa0);
  gkdc_wipe(priv, sizeof(priv));
}

static void test_sign1_round_trip(void)
{
  struct gkdc_cose_params p = {GKDC_COSE_ALG_EDDSA, {(const uint8_t *)"k1", 2}, 0, -1,
                               {NULL, 0}, 1};

  sign1_round_trip(GKDC_COSE_ALG_EDDSA, GKDC_COSE_CRV_ED25519, &p);
  p.tagged = 0;
  p.kid_protected = 1;
  sign1_round_trip(GKDC_COSE_ALG_EDDSA, GKDC_COSE_CRV_ED25519, &p);
  p.alg = GKDC_COSE_ALG_ES256;
  p.content_type = 61;
  p.kid.ptr = NULL;
  p.kid.len = 0;
  sign1_round_trip(GKDC_COSE_ALG_ES256, GKDC_COSE_CRV_P256, &p);
}

static void test_mac0_encrypt0_round_trip(void)
{
  static const uint8_t key32[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  static const uint8_t key16[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
  static const uint8_t msg[] = "OSCORE master secret";
  struct gkdc_cose_params p = {GKDC_COSE_ALG_HMAC_256_256, {(const uint8_t *)"as", 2}, 0,
                               -1, {NULL, 0}, 1};
  uint8_t out[256];
  size_t out_len = sizeof(out);
  uint8_t plain[64];
  size_t plain_len = sizeof(plain);
  uint8_t first_iv[13];
  struct gkdc_cose_msg m;

  CU_ASSERT_EQUAL_FATAL(gkdc_cose_mac0_create(&tc.cx, &p, key32, sizeof(key32), msg,
                                              sizeof(msg), NULL, 0, out, &out_len),
                        GKDC_COSE_OK);
  CU_ASSERT_EQUAL_FATAL(gkdc_cose_parse(out, out_len, GKDC_COSE_ANY, &m), GKDC_COSE_OK);
  CU_ASSERT_EQUAL(m.auth.len, 32);
  CU_ASSERT_EQUAL(gkdc_cose_mac0_verify(&tc.cx, &m, 0, key32, sizeof(key32), NULL, 0),
                  GKDC_COSE_OK);
  out[out_len - 40] ^= 1;
  gkdc_cose_parse(out, out_len, GKDC_COSE_ANY, &m);
  CU_ASSERT_EQUAL(gkdc_cose_mac0_verify(&tc.cx, &m, 0, key32, sizeof(key32), NULL, 0),
                  GKDC_COSE_ERR_VERIFY);

  /* Encrypt0 with a random IV: two messages differ, both decrypt. */
  p.alg = GKDC_COSE_ALG_AES_CCM_16_64_128;
  p.tagged = 0;
  out_len = sizeof(out);
  CU_ASSERT_EQUAL_FATAL(gkdc_cose_encrypt0_create(&tc.cx, &p, key16, sizeof(key16), msg,
                                                  sizeof(msg), NULL, 0, out, &out_len),
                        GKDC_COSE_OK);
  CU_ASSERT_EQUAL_FATAL(gkdc_cose_parse(out, out_len, GKDC_COSE_ANY, &m), GKDC_COSE_OK);
  CU_ASSERT_FALSE(m.tagged);
  CU_ASSERT_EQUAL(m.type, GKDC_COSE_ENCRYPT0);
  CU_ASSERT_EQUAL_FATAL(m.hdr.iv.len, 13);
  memcpy(first_iv, m.hdr.iv.ptr, 13);
  CU_ASSERT_EQUAL(gkdc_cose_encrypt0_decrypt(&tc.cx, &m, 0, key16, sizeof(key16), NULL,
                                             0, plain, &plain_len),
                  GKDC_COSE_OK);
  CU_ASSERT_EQUAL(plain_len, sizeof(msg));
  CU_ASSERT_EQUAL(memcmp(plain, msg, sizeof(msg)), 0);

  out_len = sizeof(out);
  gkdc_cose_encrypt0_create(&tc.cx, &p, key16, sizeof(key16), msg, sizeof(msg), NULL, 0,
                            out, &out_len);
  gkdc_cose_parse(out, out_len, GKDC_COSE_ANY, &m);
  CU_ASSERT_NOT_EQUAL(memcmp(first_iv, m.hdr.iv.ptr, 13), 0);

  /* External AAD mismatch fails the tag. */
  plain_len = sizeof(plain);
  CU_ASSERT_EQUAL(gkdc_cose_encrypt0_decrypt(&tc.cx, &m, 0, key16, sizeof(key16),
                                             (const uint8_t *)"a", 1, plain, &plain_len),
                  GKDC_COSE_ERR_VERIFY);

  /* Output too small for the message. */
  out_len = 20;
  CU_ASSERT_EQUAL(gkdc_cose_encrypt0_create(&tc.cx, &p, key16, sizeof(key16), msg,
                                            sizeof(msg), NULL, 0, out, &out_len),
                  GKDC_COSE_ERR_BUFFER);
  /* A MAC algorithm cannot encrypt. */
  p.alg = GKDC_COSE_ALG_HMAC_256_256;
  out_len = sizeof(out);
  CU_ASSERT_EQUAL(gkdc_cose_encrypt0_create(&tc.cx, &p, key16, sizeof(key16), msg,
                                            sizeof(msg), NULL, 0, out, &out_len),
                  GKDC_COSE_ERR_ALG);
}

/*
 * A Sign1 whose protected header is not deterministic ({4: 'k', 1: -8},
 * kid first) verifies only when the received bytes are used as they are.
 */
static void test_protected_byte_exact(void)
{
  static const uint8_t prot[] = {0xa2, 0x04, 0x41, 0x6b, 0x01, 0x27};
  static const uint8_t payload[] = {0xa1, 0x02, 0x61, 0x78};
  struct gkdc_bytes pb = {prot, sizeof(prot)};
  uint8_t priv[32];
  size_t priv_len = sizeof(priv);
  uint8_t pub[32];
  size_t pub_len = sizeof(pub);
  uint8_t tbs[64];
  size_t tbs_len = 0;
  uint8_t sig[64];
  size_t sig_len = sizeof(sig);
  uint8_t out[160];
  size_t out_len = 0;
  struct gkdc_cbor_enc e;
  struct gkdc_cose_msg m;

  CU_ASSERT_FATAL(gkdc_crypto_keygen(&tc.cx, GKDC_COSE_CRV_ED25519, priv, &priv_len, pub,
                                     &pub_len));
  gkdc_cbor_enc_init(&e, tbs, sizeof(tbs));
  gkdc_cbor_enc_put_array(&e, 4);
  gkdc_cbor_enc_put_tstr_z(&e, "Signature1");
  gkdc_cbor_enc_put_bstr(&e, pb.ptr, pb.len);
  gkdc_cbor_enc_put_bstr(&e, NULL, 0);
  gkdc_cbor_enc_put_bstr(&e, payload, sizeof(payload));
  CU_ASSERT_EQUAL_FATAL(gkdc_cbor_enc_finish(&e, &tbs_len), GKDC_CBOR_OK);
  CU_ASSERT_FATAL(gkdc_crypto_sign(&tc.cx, GKDC_COSE_ALG_EDDSA, priv, priv_len, tbs,
                                   tbs_len, sig, &sig_len));

  gkdc_cbor_enc_init(&e, out, sizeof(out));
  gkdc_cbor_enc_put_tag(&e, GKDC_COSE_TAG_SIGN1);
  gkdc_cbor_enc_put_array(&e, 4);
  gkdc_cbor_enc_put_bstr(&e, pb.ptr, pb.len);
  gkdc_cbor_enc_put_map(&e, 0);
  gkdc_cbor_enc_put_bstr(&e, payload, sizeof(payload));
  gkdc_cbor_enc_put_bstr(&e, sig, sig_len);
  CU_ASSERT_EQUAL_FATAL(gkdc_cbor_enc_finish(&e, &out_len), GKDC_CBOR_OK);

  CU_ASSERT_EQUAL_FATAL(gkdc_cose_parse(out, out_len, GKDC_COSE_ANY, &m), GKDC_COSE_OK);
  CU_ASSERT_EQUAL(m.hdr.protected_bstr.len, sizeof(prot));
  CU_ASSERT(m.hdr.kid_protected);
  CU_ASSERT_EQUAL(gkdc_cose_sign1_verify(&tc.cx, &m, 0, pub, pub_len, NULL, 0),
                  GKDC_COSE_OK);

  /* The same header in deterministic order is other bytes: the signature
   * no longer verifies. */
  CU_ASSERT_EQUAL_FATAL(out[3], 0xa2);
  out[4] = 0x01;
  out[5] = 0x27;
  out[6] = 0x04;
  out[7] = 0x41;
  out[8] = 0x6b;
  CU_ASSERT_EQUAL_FATAL(gkdc_cose_parse(out, out_len, GKDC_COSE_ANY, &m), GKDC_COSE_OK);
  CU_ASSERT_EQUAL(m.hdr.alg, GKDC_COSE_ALG_EDDSA);
  CU_ASSERT_EQUAL(gkdc_cose_sign1_verify(&tc.cx, &m, 0, pub, pub_len, NULL, 0),
                  GKDC_COSE_ERR_VERIFY);
  gkdc_wipe(priv, sizeof(priv));
}

/* Encrypt0 round trips with every AEAD of different nonce and tag sizes. */
static void test_encrypt0_algorithms(void)
{
  static const int32_t algs[] = {GKDC_COSE_ALG_AES_CCM_16_64_128,
                                 GKDC_COSE_ALG_AES_CCM_16_128_128, GKDC_COSE_ALG_A128GCM};
  static const uint8_t key[16] = {0x42};
  static const uint8_t msg[] = {0xa1, 0x01, 0x02};
  struct gkdc_cose_params p = {0, {NULL, 0}, 0, -1, {NULL, 0}, 1};
  uint8_t out[128];
  uint8_t plain[16];
  size_t i;

  for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
    const struct gkdc_alg_info *info = gkdc_crypto_alg_info_get0(&tc.cx, algs[i]);
    size_t out_len = sizeof(out);
    size_t plain_len = sizeof(plain);
    struct gkdc_cose_msg m;

    CU_ASSERT_PTR_NOT_NULL_FATAL(info);
    p.alg = algs[i];
    CU_ASSERT_EQUAL_FATAL(gkdc_cose_encrypt0_create(&tc.cx, &p, key, sizeof(key), msg,
                                                    sizeof(msg), NULL, 0, out, &out_len),
                          GKDC_COSE_OK);
    CU_ASSERT_EQUAL_FATAL(gkdc_cose_parse(out, out_len, GKDC_COSE_ENCRYPT0, &m),
                          GKDC_COSE_OK);
    CU_ASSERT_EQUAL(m.hdr.iv.len, info->nonce_len);
    CU_ASSERT_EQUAL(m.payload.len, sizeof(msg) + info->tag_len);
    CU_ASSERT_EQUAL(gkdc_cose_encrypt0_decrypt(&tc.cx, &m, algs[i], key, sizeof(key), NULL,
                                               0, plain, &plain_len),
                    GKDC_COSE_OK);
    CU_ASSERT_EQUAL(plain_len, sizeof(msg));
    CU_ASSERT_EQUAL(memcmp(plain, msg, sizeof(msg)), 0);
  }
}

/* Parses a hex message; returns the error. */
static enum gkdc_cose_err parse_hex(const char *hex, enum gkdc_cose_type type)
{
  uint8_t buf[128];
  size_t n = unhex(hex, buf, sizeof(buf));
  struct gkdc_cose_msg m;

  return gkdc_cose_parse(buf, n, type, &m);
}

static void test_parse_errors(void)
{
  /* Well-formed baseline: Sign1 {1: -8} {} h'' h'00'. */
  CU_ASSERT_EQUAL(parse_hex("d2 84 43a10127 a0 40 4100", GKDC_COSE_ANY), GKDC_COSE_OK);
  /* Untagged four elements need an explicit type. */
  CU_ASSERT_EQUAL(parse_hex("84 43a10127 a0 40 4100", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_WRONG_TYPE);
  CU_ASSERT_EQUAL(parse_hex("84 43a10127 a0 40 4100", GKDC_COSE_MAC0), GKDC_COSE_OK);
  /* An untagged three-element array is an Encrypt0. */
  CU_ASSERT_EQUAL(parse_hex("83 43a1010a a1 05 41 00 40", GKDC_COSE_ANY), GKDC_COSE_OK);
  /* Tags other than the COSE ones. */
  CU_ASSERT_EQUAL(parse_hex("d8 62 84 43a10127 a0 40 4100", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_WRONG_TYPE);
  /* Wrong element counts and types. */
  CU_ASSERT_EQUAL(parse_hex("d2 83 43a10127 a0 40", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_STRUCTURE);
  CU_ASSERT_EQUAL(parse_hex("d2 84 a10127 a0 40 4100", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_STRUCTURE);
  CU_ASSERT_EQUAL(parse_hex("d2 84 43a10127 80 40 4100", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_STRUCTURE);
  CU_ASSERT_EQUAL(parse_hex("d2 84 43a10127 a0 f6 4100", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_STRUCTURE);
  CU_ASSERT_EQUAL(parse_hex("d2 84 4101 a0 40 4100", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_STRUCTURE);
  /* The protected bstr must hold valid CBOR. */
  CU_ASSERT_EQUAL(parse_hex("d2 84 43a10118 a0 40 4100", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_CBOR);
  /* Trailing bytes and truncation. */
  CU_ASSERT_EQUAL(parse_hex("d2 84 43a10127 a0 40 4100 00", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_CBOR);
  CU_ASSERT_EQUAL(parse_hex("d2 84 43a10127 a0 40 41", GKDC_COSE_ANY), GKDC_COSE_ERR_CBOR);
  /* The same label in both buckets. */
  CU_ASSERT_EQUAL(parse_hex("d2 84 43a10127 a10127 40 4100", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_STRUCTURE);
  /* kid must be a bstr, IV and Partial IV are exclusive. */
  CU_ASSERT_EQUAL(parse_hex("d2 84 43a10127 a1 04 01 40 4100", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_STRUCTURE);
  CU_ASSERT_EQUAL(parse_hex("d0 83 43a1010a a2 05 41 00 06 41 01 40", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_STRUCTURE);
  /* crit naming an unknown label, an absent label, or in the wrong bucket. */
  CU_ASSERT_EQUAL(parse_hex("d2 84 4aa3012702811863186301 a0 40 4100", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_CRIT);
  CU_ASSERT_EQUAL(parse_hex("d2 84 46a2012702 8104 a0 40 4100", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_CRIT);
  CU_ASSERT_EQUAL(parse_hex("d2 84 45a201270280 a0 40 4100", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_STRUCTURE);
  CU_ASSERT_EQUAL(parse_hex("d2 84 43a10127 a1 02 8101 40 4100", GKDC_COSE_ANY),
                  GKDC_COSE_ERR_STRUCTURE);
  CU_ASSERT_EQUAL(parse_hex("d2 84 46a2012702 8101 a0 40 4100", GKDC_COSE_ANY),
                  GKDC_COSE_OK);
}

static void test_alg_placement(void)
{
  uint8_t buf[128];
  size_t n;
  struct gkdc_cose_msg m;
  uint8_t pub[32] = {0};

  /* alg only in the unprotected bucket does not count. */
  n = unhex("d2 84 40 a10127 40 5840"
            "00000000000000000000000000000000000000000000000000000000000000000000"
            "000000000000000000000000000000000000000000000000000000000000",
            buf, sizeof(buf));
  CU_ASSERT_EQUAL_FATAL(gkdc_cose_parse(buf, n, GKDC_COSE_ANY, &m), GKDC_COSE_OK);
  CU_ASSERT_FALSE(m.hdr.has_alg);
  CU_ASSERT_EQUAL(gkdc_cose_sign1_verify(&tc.cx, &m, 0, pub, sizeof(pub), NULL, 0),
                  GKDC_COSE_ERR_NO_ALG);

  /* An algorithm of the wrong class or unknown to the adapter. */
  n = unhex("d2 84 43a1010a a0 40 4100", buf, sizeof(buf));
  gkdc_cose_parse(buf, n, GKDC_COSE_ANY, &m);
  CU_ASSERT_EQUAL(gkdc_cose_sign1_verify(&tc.cx, &m, 0, pub, sizeof(pub), NULL, 0),
                  GKDC_COSE_ERR_ALG);
  n = unhex("d2 84 47a1011a00010000 a0 40 4100", buf, sizeof(buf));
  gkdc_cose_parse(buf, n, GKDC_COSE_ANY, &m);
  CU_ASSERT_EQUAL(gkdc_cose_sign1_verify(&tc.cx, &m, 0, pub, sizeof(pub), NULL, 0),
                  GKDC_COSE_ERR_ALG);
  /* A text alg in the protected bucket is rejected. */
  n = unhex("d2 84 46a10163455332 a0 40 4100", buf, sizeof(buf));
  CU_ASSERT_EQUAL(gkdc_cose_parse(buf, n, GKDC_COSE_ANY, &m), GKDC_COSE_ERR_ALG);
  /* A wrong message type for the verify call. */
  n = unhex("d1 84 43a10105 a0 40 4100", buf, sizeof(buf));
  gkdc_cose_parse(buf, n, GKDC_COSE_ANY, &m);
  CU_ASSERT_EQUAL(gkdc_cose_sign1_verify(&tc.cx, &m, 0, pub, sizeof(pub), NULL, 0),
                  GKDC_COSE_ERR_WRONG_TYPE);
}

static void test_cose_key_parse(void)
{
  uint8_t buf[160];
  size_t n = unhex(RFC8392_KEY_SYM128_COSE, buf, sizeof(buf));
  uint8_t want_k[16];
  struct gkdc_cose_key k;

  unhex(RFC8392_KEY_SYM128, want_k, sizeof(want_k));
  CU_ASSERT_EQUAL_FATAL(gkdc_cose_key_parse(buf, n, &k), GKDC_COSE_OK);
  CU_ASSERT_EQUAL(k.kty, GKDC_COSE_KTY_SYMMETRIC);
  CU_ASSERT(k.has_alg);
  CU_ASSERT_EQUAL(k.alg, 10);
  CU_ASSERT_EQUAL(k.kid.len, 12);
  CU_ASSERT_EQUAL(memcmp(k.kid.ptr, "Symmetric128", 12), 0);
  CU_ASSERT_EQUAL_FATAL(k.k.len, 16);
  CU_ASSERT_EQUAL(memcmp(k.k.ptr, want_k, 16), 0);
  CU_ASSERT(k.encoded.ptr == buf);
  CU_ASSERT_EQUAL(k.encoded.len, n);
}

static void test_cose_key_ec2_okp(void)
{
  uint8_t x[32];
  uint8_t y[32];
  uint8_t d[32];
  uint8_t buf[200];
  uint8_t again[200];
  size_t len = 0;
  size_t len2 = 0;
  uint8_t pub[65];
  size_t pub_len = sizeof(pub);
  uint8_t want_pub[65];
  struct gkdc_cose_key k;
  struct gkdc_cose_key p;
  struct gkdc_cbor_enc e;

  unhex(RFC8392_KEY_EC_X, x, 32);
  unhex(RFC8392_KEY_EC_Y, y, 32);
  unhex(RFC8392_KEY_EC_D, d, 32);
  memset(&k, 0, sizeof(k));
  k.kty = GKDC_COSE_KTY_EC2;
  k.crv = GKDC_COSE_CRV_P256;
  k.has_alg = 1;
  k.alg = GKDC_COSE_ALG_ES256;
  k.kid.ptr = (const uint8_t *)"AsymmetricECDSA256";
  k.kid.len = 18;
  k.x.ptr = x;
  k.x.len = 32;
  k.y.ptr = y;
  k.y.len = 32;
  k.d.ptr = d;
  k.d.len = 32;
  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  gkdc_cose_key_encode(&e, &k);
  CU_ASSERT_EQUAL_FATAL(gkdc_cbor_enc_finish(&e, &len), GKDC_CBOR_OK);

  CU_ASSERT_EQUAL_FATAL(gkdc_cose_key_parse(buf, len, &p), GKDC_COSE_OK);
  CU_ASSERT_EQUAL(p.kty, GKDC_COSE_KTY_EC2);
  CU_ASSERT_EQUAL(p.crv, GKDC_COSE_CRV_P256);
  CU_ASSERT_EQUAL(p.alg, GKDC_COSE_ALG_ES256);
  CU_ASSERT(gkdc_cose_key_public_raw(&p, pub, &pub_len));
  CU_ASSERT_EQUAL(pub_len, 65);
  ec_public(want_pub);
  CU_ASSERT_EQUAL(memcmp(pub, want_pub, 65), 0);

  /* Encoding the parsed key again gives the same bytes. */
  gkdc_cbor_enc_init(&e, again, sizeof(again));
  gkdc_cose_key_encode(&e, &p);
  CU_ASSERT_EQUAL(gkdc_cbor_enc_finish(&e, &len2), GKDC_CBOR_OK);
  CU_ASSERT_EQUAL(len2, len);
  CU_ASSERT_EQUAL(memcmp(again, buf, len), 0);

  /* OKP Ed25519 public key. */
  {
    uint8_t okp[64];
    size_t n = unhex("a3 0101 2006 215820"
                     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
                     okp, sizeof(okp));

    CU_ASSERT_EQUAL(gkdc_cose_key_parse(okp, n, &p), GKDC_COSE_OK);
    pub_len = sizeof(pub);
    CU_ASSERT(gkdc_cose_key_public_raw(&p, pub, &pub_len));
    CU_ASSERT_EQUAL(pub_len, 32);
  }
}

/* Returns the error of parsing a hex COSE_Key. */
static enum gkdc_cose_err key_hex(const char *hex)
{
  uint8_t buf[160];
  size_t n = unhex(hex, buf, sizeof(buf));
  struct gkdc_cose_key k;

  return gkdc_cose_key_parse(buf, n, &k);
}

#define X32 "5820000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static void test_cose_key_errors(void)
{
  CU_ASSERT_EQUAL(key_hex("a3 0101 2006 21" X32), GKDC_COSE_OK);
  /* Missing kty, text kty, unknown kty. */
  CU_ASSERT_EQUAL(key_hex("a2 2006 21" X32), GKDC_COSE_ERR_KEY);
  CU_ASSERT_EQUAL(key_hex("a3 01634f4b50 2006 21" X32), GKDC_COSE_ERR_KEY);
  CU_ASSERT_EQUAL(key_hex("a3 0103 2006 21" X32), GKDC_COSE_ERR_KEY);
  /* OKP: missing or unknown crv, short x, a y coordinate. */
  CU_ASSERT_EQUAL(key_hex("a2 0101 21" X32), GKDC_COSE_ERR_KEY);
  CU_ASSERT_EQUAL(key_hex("a3 0101 2001 21" X32), GKDC_COSE_ERR_KEY);
  CU_ASSERT_EQUAL(key_hex("a3 0101 2006 21 4100"), GKDC_COSE_ERR_KEY);
  CU_ASSERT_EQUAL(key_hex("a4 0101 2006 21" X32 " 22" X32), GKDC_COSE_ERR_KEY);
  /* EC2: missing y, boolean (compressed) y, short d. */
  CU_ASSERT_EQUAL(key_hex("a3 0102 2001 21" X32), GKDC_COSE_ERR_KEY);
  CU_ASSERT_EQUAL(key_hex("a4 0102 2001 21" X32 " 22 f5"), GKDC_COSE_ERR_KEY);
  CU_ASSERT_EQUAL(key_hex("a5 0102 2001 21" X32 " 22" X32 " 23 4101"), GKDC_COSE_ERR_KEY);
  CU_ASSERT_EQUAL(key_hex("a5 0102 2001 21" X32 " 22" X32 " 23" X32), GKDC_COSE_OK);
  /* Symmetric: empty k, curve parameters, k of another type. */
  CU_ASSERT_EQUAL(key_hex("a2 0104 20 40"), GKDC_COSE_ERR_KEY);
  CU_ASSERT_EQUAL(key_hex("a3 0104 20 4101 21 4101"), GKDC_COSE_ERR_KEY);
  CU_ASSERT_EQUAL(key_hex("a2 0104 20 01"), GKDC_COSE_ERR_KEY);
  /* kid must be a bstr; duplicate labels and non-maps are CBOR errors. */
  CU_ASSERT_EQUAL(key_hex("a3 0104 20 4101 02 6161"), GKDC_COSE_ERR_KEY);
  CU_ASSERT_EQUAL(key_hex("a3 0104 0104 20 4101"), GKDC_COSE_ERR_CBOR);
  CU_ASSERT_EQUAL(key_hex("82 0104"), GKDC_COSE_ERR_KEY);
  CU_ASSERT_EQUAL(key_hex("a2 0104 20"), GKDC_COSE_ERR_CBOR);
}

/* Keys of RFC 8392 A.2 by kid, for gkdc_cwt_unwrap(); records queries. */
struct key_table {
  uint8_t k128[16];
  uint8_t k256[32];
  uint8_t pub[65];
  uint8_t junk[65];                 /* the wrong key, all zero */
  int wrong;                        /* 1: hand out the wrong key */
  struct gkdc_cwt_key_query seen[4];
  unsigned calls;
};

static int rfc8392_key(void *arg, const struct gkdc_cwt_key_query *q,
                       const uint8_t **key, size_t *key_len, int32_t *key_alg)
{
  struct key_table *t = arg;

  if (t->calls < 4)
    t->seen[t->calls] = *q;
  t->calls++;
  *key_alg = 0;
  if (q->kid.len == 12 && memcmp(q->kid.ptr, "Symmetric128", 12) == 0) {
    *key = t->k128;
    *key_len = sizeof(t->k128);
  } else if (q->kid.len == 12 && memcmp(q->kid.ptr, "Symmetric256", 12) == 0) {
    *key = t->k256;
    *key_len = sizeof(t->k256);
  } else if (q->kid.len == 18 && memcmp(q->kid.ptr, "AsymmetricECDSA256", 18) == 0) {
    *key = t->pub;
    *key_len = sizeof(t->pub);
    *key_alg = GKDC_COSE_ALG_ES256;
  } else {
    return 0;
  }
  if (t->wrong)
    *key = t->junk;
  return 1;
}

static void key_table_init(struct key_table *t)
{
  memset(t, 0, sizeof(*t));
  unhex(RFC8392_KEY_SYM128, t->k128, sizeof(t->k128));
  unhex(RFC8392_KEY_SYM256, t->k256, sizeof(t->k256));
  ec_public(t->pub);
}

/* Unwraps a hex token with the A.2 keys; returns the error. */
static enum gkdc_cose_err unwrap_hex(const char *hex, struct key_table *t, size_t work_len,
                                     struct gkdc_cwt_claims *c)
{
  static uint8_t tok[512];
  static uint8_t work[512];
  size_t n = unhex(hex, tok, sizeof(tok));

  return gkdc_cwt_unwrap(&tc.cx, tok, n, GKDC_COSE_ENCRYPT0, rfc8392_key, t, work,
                         work_len, c, NULL);
}

static void test_cwt_unwrap(void)
{
  static const char *const tokens[] = {RFC8392_SIGN1, RFC8392_MAC0, RFC8392_ENCRYPT0,
                                       RFC8392_NESTED};
  struct key_table t;
  struct gkdc_cwt_claims c;
  size_t i;

  for (i = 0; i < 4; i++) {
    key_table_init(&t);
    CU_ASSERT_EQUAL(unwrap_hex(tokens[i], &t, 512, &c), GKDC_COSE_OK);
    CU_ASSERT_EQUAL(c.sub.len, 5);
    CU_ASSERT(gkdc_cwt_aud_contains(&c, "coap://light.example.com"));
    CU_ASSERT_EQUAL(c.exp, 1444064944);
  }

  /* A.6 asks for two keys: the Encrypt0 layer, then the Sign1 inside. */
  CU_ASSERT_EQUAL(t.calls, 2);
  CU_ASSERT_EQUAL(t.seen[0].type, GKDC_COSE_ENCRYPT0);
  CU_ASSERT_EQUAL(t.seen[0].alg, GKDC_COSE_ALG_AES_CCM_16_64_128);
  CU_ASSERT_EQUAL(t.seen[0].layer, 0);
  CU_ASSERT_EQUAL(t.seen[1].type, GKDC_COSE_SIGN1);
  CU_ASSERT_EQUAL(t.seen[1].alg, GKDC_COSE_ALG_ES256);
  CU_ASSERT_EQUAL(t.seen[1].layer, 1);

  /* A wrong key, a short work buffer, an unknown kid. */
  key_table_init(&t);
  t.wrong = 1;
  CU_ASSERT_EQUAL(unwrap_hex(RFC8392_MAC0, &t, 512, &c), GKDC_COSE_ERR_VERIFY);
  CU_ASSERT_EQUAL(c.present, 0);
  key_table_init(&t);
  CU_ASSERT_EQUAL(unwrap_hex(RFC8392_NESTED, &t, 100, &c), GKDC_COSE_ERR_BUFFER);
  key_table_init(&t);
  t.k256[0] ^= 1;
  CU_ASSERT_EQUAL(unwrap_hex(RFC8392_MAC0, &t, 512, &c), GKDC_COSE_ERR_VERIFY);
  CU_ASSERT_EQUAL(unwrap_hex("d8 3d d1 84 43a10104 a1 04 41 78 40 48 0000000000000000",
                             &t, 512, &c),
                  GKDC_COSE_ERR_KEY);
}

/* Builds `layers` tagged Mac0 layers (kid "Symmetric256") around the A.1
 * claims into out; returns the length. */
static size_t mac_layers(unsigned layers, uint8_t *out, size_t cap)
{
  struct gkdc_cose_params p = {GKDC_COSE_ALG_HMAC_256_64,
                               {(const uint8_t *)"Symmetric256", 12}, 0, -1, {NULL, 0}, 1};
  uint8_t key[32];
  uint8_t cur[512];
  size_t cur_len = unhex(RFC8392_CLAIMS, cur, sizeof(cur));
  size_t len = 0;
  unsigned i;

  unhex(RFC8392_KEY_SYM256, key, sizeof(key));
  for (i = 0; i < layers; i++) {
    len = cap;
    if (gkdc_cose_mac0_create(&tc.cx, &p, key, sizeof(key), cur, cur_len, NULL, 0, out,
                              &len) != GKDC_COSE_OK)
      return 0;
    memcpy(cur, out, len);
    cur_len = len;
  }
  return len;
}

static void test_cwt_unwrap_layers(void)
{
  uint8_t tok[512];
  struct key_table t;
  struct gkdc_cwt_claims c;
  size_t n;

  n = mac_layers(GKDC_CWT_MAX_LAYERS, tok, sizeof(tok));
  CU_ASSERT_FATAL(n > 0);
  key_table_init(&t);
  CU_ASSERT_EQUAL(gkdc_cwt_unwrap(&tc.cx, tok, n, GKDC_COSE_ANY, rfc8392_key, &t, NULL, 0,
                                  &c, NULL),
                  GKDC_COSE_OK);
  CU_ASSERT_EQUAL(t.calls, GKDC_CWT_MAX_LAYERS);
  CU_ASSERT_EQUAL(c.sub.len, 5);

  /* One layer more than the limit is rejected. */
  n = mac_layers(GKDC_CWT_MAX_LAYERS + 1, tok, sizeof(tok));
  CU_ASSERT_FATAL(n > 0);
  key_table_init(&t);
  CU_ASSERT_EQUAL(gkdc_cwt_unwrap(&tc.cx, tok, n, GKDC_COSE_ANY, rfc8392_key, &t, NULL, 0,
                                  &c, NULL),
                  GKDC_COSE_ERR_STRUCTURE);

  /* An Encrypt0 without a work buffer, and a payload that is no claims set. */
  key_table_init(&t);
  CU_ASSERT_EQUAL(unwrap_hex(RFC8392_ENCRYPT0, &t, 0, &c), GKDC_COSE_ERR_BUFFER);
  {
    struct gkdc_cose_params p = {GKDC_COSE_ALG_HMAC_256_64,
                                 {(const uint8_t *)"Symmetric256", 12}, 0, -1, {NULL, 0}, 0};
    enum gkdc_cbor_err cerr = GKDC_CBOR_OK;

    n = sizeof(tok);
    CU_ASSERT_EQUAL_FATAL(gkdc_cose_mac0_create(&tc.cx, &p, t.k256, sizeof(t.k256),
                                                (const uint8_t *)"\x82\x01\x02", 3, NULL, 0,
                                                tok, &n),
                          GKDC_COSE_OK);
    CU_ASSERT_EQUAL(gkdc_cwt_unwrap(&tc.cx, tok, n, GKDC_COSE_MAC0, rfc8392_key, &t, NULL,
                                    0, &c, &cerr),
                    GKDC_COSE_ERR_STRUCTURE);
    CU_ASSERT_EQUAL(cerr, GKDC_CBOR_ERR_TYPE);
  }
}

int main(void)
{
  CU_pSuite s;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  s = CU_add_suite("cose", suite_init, suite_clean);
  CU_add_test(s, "RFC 8392 A.3 Sign1", test_rfc8392_sign1);
  CU_add_test(s, "RFC 8392 A.4 Mac0", test_rfc8392_mac0);
  CU_add_test(s, "RFC 8392 A.5 Encrypt0", test_rfc8392_encrypt0);
  CU_add_test(s, "RFC 8392 A.6 nested", test_rfc8392_nested);
  CU_add_test(s, "Sign1 round trip", test_sign1_round_trip);
  CU_add_test(s, "Mac0 and Encrypt0 round trip", test_mac0_encrypt0_round_trip);
  CU_add_test(s, "protected header byte-exact", test_protected_byte_exact);
  CU_add_test(s, "Encrypt0 algorithms", test_encrypt0_algorithms);
  CU_add_test(s, "parse errors", test_parse_errors);
  CU_add_test(s, "alg placement and class", test_alg_placement);
  CU_add_test(s, "COSE_Key symmetric", test_cose_key_parse);
  CU_add_test(s, "COSE_Key EC2 and OKP", test_cose_key_ec2_okp);
  CU_add_test(s, "COSE_Key errors", test_cose_key_errors);
  CU_add_test(s, "CWT unwrap RFC 8392 tokens", test_cwt_unwrap);
  CU_add_test(s, "CWT unwrap layers", test_cwt_unwrap_layers);
  return gkdc_test_run();
}
