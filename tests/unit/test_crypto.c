/*
 * Tests of the crypto adapter of libgkdc (host/crypto.c): the HKDF alias
 * mapping, the finders it calls, the checks of table sizes, and gkdc_wipe().
 *
 * The provider here is a recording alg table: its operations store which
 * id they were called with and return a marker byte, so each test can tell
 * whether and how the adapter dispatched. The cryptography itself is tested
 * against the real plugin in test_alg.
 */
#include <stddef.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <gkdc/alg.h>
#include <gkdc/crypto.h>

static const struct gkdc_alg_info rec_algs[] = {
    {GKDC_COSE_ALG_A128GCM, GKDC_ALG_AEAD, "A128GCM", 16, 12, 16, 0, 0},
    {GKDC_COSE_ALG_EDDSA, GKDC_ALG_SIGN, "EdDSA", 32, 0, 0, 64, GKDC_COSE_CRV_ED25519},
    {GKDC_COSE_ALG_SHA256, GKDC_ALG_HKDF, "HKDF-SHA-256", 0, 0, 32, 0, 0},
    {GKDC_COSE_ALG_SHA512, GKDC_ALG_HKDF, "HKDF-SHA-512", 0, 0, 64, 0, 0},
    {GKDC_COSE_CRV_P256, GKDC_ALG_ECDH, "ECDH P-256", 32, 0, 32, 0, GKDC_COSE_CRV_P256},
};

static int calls;
static int32_t last_id;

static int rec_hkdf(void *st, int32_t hash_alg, const uint8_t *salt, size_t salt_len,
                    const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
                    size_t info_len, uint8_t *out, size_t out_len)
{
  calls++;
  last_id = hash_alg;
  memset(out, 0x5a, out_len);
  return 1;
}

static int rec_ecdh(void *st, int32_t curve, const uint8_t *priv, size_t priv_len,
                    const uint8_t *peer_pub, size_t peer_pub_len, uint8_t *secret,
                    size_t *secret_len)
{
  calls++;
  last_id = curve;
  return 1;
}

static int rec_keygen(void *st, int32_t curve, uint8_t *priv, size_t *priv_len,
                      uint8_t *pub, size_t *pub_len)
{
  calls++;
  last_id = curve;
  return 1;
}

static int rec_random(void *st, uint8_t *buf, size_t len)
{
  calls++;
  memset(buf, 0x77, len);
  return 1;
}

static const struct gkdc_alg_ops rec_ops = {
    .size = sizeof(struct gkdc_alg_ops),
    .algs = rec_algs,
    .alg_count = sizeof(rec_algs) / sizeof(rec_algs[0]),
    .random = rec_random,
    .hkdf = rec_hkdf,
    .keygen = rec_keygen,
    .ecdh = rec_ecdh,
};

static struct gkdc_provider rec_provider = {&rec_ops, NULL, "recording"};

static void reset(void)
{
  calls = 0;
  last_id = 0;
}

static void test_hkdf_hash_aliases(void)
{
  static const struct {
    int32_t in, out;
  } map[] = {
      {GKDC_COSE_ALG_HMAC_256_256, GKDC_COSE_ALG_SHA256},
      {GKDC_COSE_ALG_HKDF_SHA256, GKDC_COSE_ALG_SHA256},
      {GKDC_COSE_ALG_SHA256, GKDC_COSE_ALG_SHA256},
      {GKDC_COSE_ALG_HMAC_512_512, GKDC_COSE_ALG_SHA512},
      {GKDC_COSE_ALG_HKDF_SHA512, GKDC_COSE_ALG_SHA512},
      {GKDC_COSE_ALG_SHA512, GKDC_COSE_ALG_SHA512},
  };
  static const int32_t rejected[] = {0, GKDC_COSE_ALG_HMAC_256_64, 6, -12, -13, -43,
                                     GKDC_COSE_ALG_ES256, GKDC_COSE_ALG_A128GCM};
  size_t i;

  for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
    int32_t h = 0;

    CU_ASSERT_TRUE(gkdc_crypto_hkdf_hash(map[i].in, &h));
    CU_ASSERT_EQUAL(h, map[i].out);
  }
  for (i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++) {
    int32_t h = 12345;

    CU_ASSERT_FALSE(gkdc_crypto_hkdf_hash(rejected[i], &h));
    CU_ASSERT_EQUAL(h, 12345);
  }
}

static void test_hkdf_dispatch_by_alias(void)
{
  struct gkdc_crypto cx;
  uint8_t out[8];

  gkdc_crypto_init_single(&cx, &rec_provider);

  reset();
  CU_ASSERT_TRUE(gkdc_crypto_hkdf(&cx, GKDC_COSE_ALG_HMAC_256_256, NULL, 0, NULL, 0, NULL,
                                  0, out, sizeof(out)));
  CU_ASSERT_EQUAL(calls, 1);
  CU_ASSERT_EQUAL(last_id, GKDC_COSE_ALG_SHA256);
  CU_ASSERT_EQUAL(out[7], 0x5a);

  reset();
  CU_ASSERT_TRUE(gkdc_crypto_hkdf(&cx, GKDC_COSE_ALG_HKDF_SHA256, NULL, 0, NULL, 0, NULL,
                                  0, out, sizeof(out)));
  CU_ASSERT_EQUAL(last_id, GKDC_COSE_ALG_SHA256);

  reset();
  CU_ASSERT_TRUE(gkdc_crypto_hkdf(&cx, GKDC_COSE_ALG_HMAC_512_512, NULL, 0, NULL, 0, NULL,
                                  0, out, sizeof(out)));
  CU_ASSERT_EQUAL(last_id, GKDC_COSE_ALG_SHA512);

  reset();
  CU_ASSERT_TRUE(gkdc_crypto_hkdf(&cx, GKDC_COSE_ALG_HKDF_SHA512, NULL, 0, NULL, 0, NULL,
                                  0, out, sizeof(out)));
  CU_ASSERT_EQUAL(last_id, GKDC_COSE_ALG_SHA512);

  /* HMAC 256/64 names no HKDF; the provider is not called. */
  reset();
  CU_ASSERT_FALSE(gkdc_crypto_hkdf(&cx, GKDC_COSE_ALG_HMAC_256_64, NULL, 0, NULL, 0, NULL,
                                   0, out, sizeof(out)));
  CU_ASSERT_EQUAL(calls, 0);
}

/* Operations the provider does not list, or whose table member is NULL,
 * fail without a call. */
static void test_unlisted_and_missing_ops(void)
{
  struct gkdc_crypto cx;
  uint8_t buf[64];
  size_t len = sizeof(buf);

  gkdc_crypto_init_single(&cx, &rec_provider);
  reset();

  /* Listed, but the table has no aead_seal. */
  CU_ASSERT_FALSE(gkdc_crypto_aead_seal(&cx, GKDC_COSE_ALG_A128GCM, buf, 16, buf, 12, NULL,
                                        0, buf, 4, buf, &len));
  /* Not listed at all. */
  CU_ASSERT_FALSE(gkdc_crypto_mac(&cx, GKDC_COSE_ALG_HMAC_256_256, buf, 4, buf, 4, buf,
                                  &len));
  CU_ASSERT_FALSE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_X25519, buf, 32, buf, 32, buf, &len));
  CU_ASSERT_EQUAL(calls, 0);

  CU_ASSERT_PTR_NULL(gkdc_crypto_alg_info_get0(NULL, GKDC_COSE_ALG_A128GCM));
  CU_ASSERT_FALSE(gkdc_crypto_random(NULL, buf, 4));
}

/* Id 1 is A128GCM and the P-256 curve: each lookup finds its own entry. */
static void test_overlapping_ids(void)
{
  struct gkdc_crypto cx;
  const struct gkdc_alg_info *info;
  uint8_t buf[65];
  size_t len = sizeof(buf);

  gkdc_crypto_init_single(&cx, &rec_provider);

  info = gkdc_crypto_alg_info_get0(&cx, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(info);
  CU_ASSERT_EQUAL(info->cls, GKDC_ALG_AEAD);
  CU_ASSERT_PTR_NULL(gkdc_crypto_alg_info_get0(&cx, GKDC_COSE_ALG_SHA256));

  reset();
  CU_ASSERT_TRUE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_P256, buf, 32, buf, 65, buf, &len));
  CU_ASSERT_EQUAL(last_id, GKDC_COSE_CRV_P256);

  /* Ed25519 keys are served by the plugin with the EdDSA entry. */
  reset();
  CU_ASSERT_TRUE(gkdc_crypto_keygen(&cx, GKDC_COSE_CRV_ED25519, buf, &len, buf, &len));
  CU_ASSERT_EQUAL(last_id, GKDC_COSE_CRV_ED25519);
  reset();
  CU_ASSERT_FALSE(gkdc_crypto_keygen(&cx, GKDC_COSE_CRV_X25519, buf, &len, buf, &len));
  CU_ASSERT_EQUAL(calls, 0);
}

/* An adapter table of an older layout, without find_curve and find_random:
 * the adapter falls back to find_alg and find_hkdf. */
static int old_find_alg(void *arg, int32_t cose_alg, struct gkdc_provider *out)
{
  if (cose_alg != GKDC_COSE_ALG_EDDSA && cose_alg != GKDC_COSE_CRV_P256)
    return 0;
  *out = rec_provider;
  return 1;
}

static int old_find_hkdf(void *arg, int32_t cose_hash_alg, struct gkdc_provider *out)
{
  if (cose_hash_alg != GKDC_COSE_ALG_SHA256)
    return 0;
  *out = rec_provider;
  return 1;
}

static void test_older_adapter_layout(void)
{
  struct gkdc_crypto cx;
  uint8_t buf[65];
  size_t len = sizeof(buf);

  memset(&cx, 0xff, sizeof(cx));
  cx.size = offsetof(struct gkdc_crypto, find_curve);
  cx.arg = NULL;
  cx.find_alg = old_find_alg;
  cx.find_hkdf = old_find_hkdf;

  reset();
  CU_ASSERT_TRUE(gkdc_crypto_keygen(&cx, GKDC_COSE_CRV_ED25519, buf, &len, buf, &len));
  CU_ASSERT_EQUAL(last_id, GKDC_COSE_CRV_ED25519);
  reset();
  CU_ASSERT_TRUE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_P256, buf, 32, buf, 65, buf, &len));
  CU_ASSERT_EQUAL(last_id, GKDC_COSE_CRV_P256);
  reset();
  CU_ASSERT_TRUE(gkdc_crypto_random(&cx, buf, 4));
  CU_ASSERT_EQUAL(calls, 1);
  CU_ASSERT_EQUAL(buf[3], 0x77);
}

/* A provider table too short to contain an operation is never called
 * through it. */
static void test_short_ops_table(void)
{
  struct gkdc_alg_ops short_ops = rec_ops;
  struct gkdc_provider p = {&short_ops, NULL, "short"};
  struct gkdc_crypto cx;
  uint8_t out[8];

  short_ops.size = offsetof(struct gkdc_alg_ops, hkdf);
  gkdc_crypto_init_single(&cx, &p);
  reset();
  CU_ASSERT_FALSE(gkdc_crypto_hkdf(&cx, GKDC_COSE_ALG_SHA256, NULL, 0, NULL, 0, NULL, 0, out,
                                   sizeof(out)));
  CU_ASSERT_EQUAL(calls, 0);
}

static void test_wipe(void)
{
  uint8_t buf[37];

  memset(buf, 0xa5, sizeof(buf));
  gkdc_wipe(buf + 1, sizeof(buf) - 2);
  CU_ASSERT_EQUAL(buf[0], 0xa5);
  CU_ASSERT_EQUAL(buf[1], 0);
  CU_ASSERT_EQUAL(buf[35], 0);
  CU_ASSERT_EQUAL(buf[36], 0xa5);
  gkdc_wipe(NULL, 0);
}

int main(void)
{
  CU_pSuite suite;
  unsigned int failures;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("crypto adapter", NULL, NULL);
  CU_add_test(suite, "HKDF hash aliases", test_hkdf_hash_aliases);
  CU_add_test(suite, "HKDF dispatch by alias", test_hkdf_dispatch_by_alias);
  CU_add_test(suite, "unlisted and missing ops", test_unlisted_and_missing_ops);
  CU_add_test(suite, "overlapping ids", test_overlapping_ids);
  CU_add_test(suite, "older adapter layout", test_older_adapter_layout);
  CU_add_test(suite, "short ops table", test_short_ops_table);
  CU_add_test(suite, "wipe", test_wipe);

  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
  CU_cleanup_registry();
  return failures == 0 ? 0 : 1;
}
