/*
 * Unit tests of the CWT claims parser (include/gkdc/cwt.h): the RFC 8392
 * claims set, the ACE claims, type checks and the time and audience
 * helpers.
 */
#include <stdint.h>
#include <string.h>

#include <gkdc/cbor.h>
#include <gkdc/cwt.h>

#include "../gkdc-test.h"
#include "test_cbor_util.h"
#include "test_cwt_vectors.h"

/* Parses hex claims; returns the error. */
static enum gkdc_cbor_err claims_hex(const char *hex, uint8_t *buf, size_t cap,
                                     struct gkdc_cwt_claims *c)
{
  size_t n = unhex(hex, buf, cap);

  return gkdc_cwt_claims_parse(buf, n, c);
}

static void test_rfc8392_claims(void)
{
  uint8_t buf[128];
  struct gkdc_cwt_claims c;

  CU_ASSERT_EQUAL_FATAL(claims_hex(RFC8392_CLAIMS, buf, sizeof(buf), &c), GKDC_CBOR_OK);
  CU_ASSERT_EQUAL(c.present, GKDC_CWT_HAS_ISS | GKDC_CWT_HAS_SUB | GKDC_CWT_HAS_AUD |
                                 GKDC_CWT_HAS_EXP | GKDC_CWT_HAS_NBF | GKDC_CWT_HAS_IAT |
                                 GKDC_CWT_HAS_CTI);
  CU_ASSERT_EQUAL(c.sub.len, 5);
  CU_ASSERT_EQUAL(memcmp(c.sub.ptr, "erikw", 5), 0);
  CU_ASSERT(gkdc_cwt_aud_contains(&c, "coap://light.example.com"));
  CU_ASSERT_FALSE(gkdc_cwt_aud_contains(&c, "coap://light.example.co"));
  CU_ASSERT_EQUAL(c.encoded.len, 80);
  CU_ASSERT_EQUAL(c.exp, 1444064944);
  CU_ASSERT(gkdc_cwt_time_valid(&c, 1443944944));
  CU_ASSERT(gkdc_cwt_time_valid(&c, 1444064943));
  CU_ASSERT_FALSE(gkdc_cwt_time_valid(&c, 1444064944));
  CU_ASSERT_FALSE(gkdc_cwt_time_valid(&c, 1443944943));
  CU_ASSERT_EQUAL(c.cti.len, 2);
  CU_ASSERT_EQUAL(c.cti.ptr[0], 0x0b);
}

static void test_ace_claims(void)
{
  /* {3: ["rs1", "kdc"], 4: 1e9 as a float, 8: {1: {1: 4, -1: h'0102'}},
   *  9: h'81826367703106', 38: 2, 39: h'aabb', 40: 3600, "x": 1, -70000: 0} */
  uint8_t buf[128];
  struct gkdc_cwt_claims c;
  enum gkdc_cbor_err err =
      claims_hex("a9 03 82 63727331 636b6463 04 fb 41cdcd6500000000"
                 " 08 a1 01 a2 01 04 20 420102 09 47 81826367703106 18 26 02"
                 " 18 27 42 aabb 18 28 190e10 61 78 01 3a 0001116f 00",
                 buf, sizeof(buf), &c);

  CU_ASSERT_EQUAL_FATAL(err, GKDC_CBOR_OK);
  CU_ASSERT(gkdc_cwt_aud_contains(&c, "rs1"));
  CU_ASSERT(gkdc_cwt_aud_contains(&c, "kdc"));
  CU_ASSERT_FALSE(gkdc_cwt_aud_contains(&c, "as"));
  CU_ASSERT_EQUAL(c.exp, 1000000000);
  CU_ASSERT(c.present & GKDC_CWT_HAS_CNF);
  CU_ASSERT_EQUAL(c.cnf.len, 9);
  CU_ASSERT_EQUAL(c.cnf.ptr[0], 0xa1);
  CU_ASSERT_EQUAL(c.scope.len, 8);
  CU_ASSERT_EQUAL(c.scope.ptr[0], 0x47);
  CU_ASSERT_EQUAL(c.ace_profile, 2);
  CU_ASSERT_EQUAL(c.cnonce.len, 2);
  CU_ASSERT_EQUAL(c.exi, 3600);
  CU_ASSERT_FALSE(c.present & GKDC_CWT_HAS_ISS);
  CU_ASSERT_PTR_NULL(c.iss.ptr);
}

static void test_claim_types(void)
{
  uint8_t buf[64];
  struct gkdc_cwt_claims c;

  /* Each claim with a wrong type. */
  CU_ASSERT_EQUAL(claims_hex("a1 01 4161", buf, sizeof(buf), &c), GKDC_CBOR_ERR_TYPE);
  CU_ASSERT_EQUAL(claims_hex("a1 02 01", buf, sizeof(buf), &c), GKDC_CBOR_ERR_TYPE);
  CU_ASSERT_EQUAL(claims_hex("a1 03 4161", buf, sizeof(buf), &c), GKDC_CBOR_ERR_TYPE);
  CU_ASSERT_EQUAL(claims_hex("a1 03 80", buf, sizeof(buf), &c), GKDC_CBOR_ERR_VALUE);
  CU_ASSERT_EQUAL(claims_hex("a1 03 82 6161 01", buf, sizeof(buf), &c), GKDC_CBOR_ERR_TYPE);
  CU_ASSERT_EQUAL(claims_hex("a1 04 6131", buf, sizeof(buf), &c), GKDC_CBOR_ERR_TYPE);
  CU_ASSERT_EQUAL(claims_hex("a1 04 c11a5612aeb0", buf, sizeof(buf), &c),
                  GKDC_CBOR_ERR_TYPE);
  CU_ASSERT_EQUAL(claims_hex("a1 04 f97e00", buf, sizeof(buf), &c), GKDC_CBOR_ERR_VALUE);
  CU_ASSERT_EQUAL(claims_hex("a1 05 1bffffffffffffffff", buf, sizeof(buf), &c),
                  GKDC_CBOR_ERR_RANGE);
  CU_ASSERT_EQUAL(claims_hex("a1 07 6161", buf, sizeof(buf), &c), GKDC_CBOR_ERR_TYPE);
  CU_ASSERT_EQUAL(claims_hex("a1 08 4101", buf, sizeof(buf), &c), GKDC_CBOR_ERR_TYPE);
  CU_ASSERT_EQUAL(claims_hex("a1 08 a0", buf, sizeof(buf), &c), GKDC_CBOR_ERR_VALUE);
  CU_ASSERT_EQUAL(claims_hex("a1 08 a2 03 4101 04 a0", buf, sizeof(buf), &c),
                  GKDC_CBOR_ERR_VALUE);
  CU_ASSERT_EQUAL(claims_hex("a1 09 01", buf, sizeof(buf), &c), GKDC_CBOR_ERR_TYPE);
  CU_ASSERT_EQUAL(claims_hex("a1 18 26 6161", buf, sizeof(buf), &c), GKDC_CBOR_ERR_TYPE);
  CU_ASSERT_EQUAL(claims_hex("a1 18 27 6161", buf, sizeof(buf), &c), GKDC_CBOR_ERR_TYPE);
  CU_ASSERT_EQUAL(claims_hex("a1 18 28 20", buf, sizeof(buf), &c), GKDC_CBOR_ERR_TYPE);

  /* Not a map, duplicate claims, trailing bytes. */
  CU_ASSERT_EQUAL(claims_hex("80", buf, sizeof(buf), &c), GKDC_CBOR_ERR_TYPE);
  CU_ASSERT_EQUAL(claims_hex("a2 02 6161 02 6162", buf, sizeof(buf), &c),
                  GKDC_CBOR_ERR_DUPLICATE_KEY);
  CU_ASSERT_EQUAL(claims_hex("a1 02 6161 00", buf, sizeof(buf), &c), GKDC_CBOR_ERR_TRAILING);
  /* A failed parse leaves no claim marked present. */
  CU_ASSERT_EQUAL(claims_hex("a2 02 6161 09 01", buf, sizeof(buf), &c), GKDC_CBOR_ERR_TYPE);
  CU_ASSERT_EQUAL(c.present, 0);
  CU_ASSERT_PTR_NULL(c.sub.ptr);
}

static void test_numeric_dates(void)
{
  uint8_t buf[64];
  struct gkdc_cwt_claims c;

  /* 1.5 rounds down to 1, -1.5 to -2. */
  CU_ASSERT_EQUAL(claims_hex("a2 04 f93e00 05 f9be00", buf, sizeof(buf), &c), GKDC_CBOR_OK);
  CU_ASSERT_EQUAL(c.exp, 1);
  CU_ASSERT_EQUAL(c.nbf, -2);
  CU_ASSERT_EQUAL(claims_hex("a1 06 fb43e0000000000000", buf, sizeof(buf), &c),
                  GKDC_CBOR_ERR_VALUE);
  CU_ASSERT_EQUAL(claims_hex("a1 06 3a7fffffff", buf, sizeof(buf), &c), GKDC_CBOR_OK);
  CU_ASSERT_EQUAL(c.iat, -2147483648LL);
}

static void test_ccs_with_cose_key(void)
{
  /* A CCS: {2: "42-50-31-FF-EF-37-32-39", 8: {1: {1: 1, -1: 6, -2: x}}}. */
  uint8_t buf[128];
  struct gkdc_cwt_claims c;
  struct gkdc_cbor_dec d;
  struct gkdc_cbor_dec key;
  int64_t kty = 0;

  CU_ASSERT_EQUAL_FATAL(claims_hex("a2 02 77 34322d35302d33312d46462d45462d33372d33322d3339"
                                   " 08 a1 01 a3 01 01 20 06 21 5820"
                                   "000102030405060708090a0b0c0d0e0f"
                                   "101112131415161718191a1b1c1d1e1f",
                                   buf, sizeof(buf), &c),
                        GKDC_CBOR_OK);
  CU_ASSERT_EQUAL(c.sub.len, 23);

  /* The cnf bytes decode on their own into the COSE_Key. */
  CU_ASSERT_EQUAL_FATAL(gkdc_cbor_dec_init(&d, c.cnf.ptr, c.cnf.len, NULL), GKDC_CBOR_OK);
  gkdc_cbor_dec_enter_map(&d, NULL);
  CU_ASSERT_FATAL(gkdc_cbor_dec_map_find_int(&d, GKDC_CNF_COSE_KEY, &key));
  gkdc_cbor_dec_enter_map(&key, NULL);
  CU_ASSERT(gkdc_cbor_dec_get_int(&key, &kty));
  CU_ASSERT_EQUAL(kty, 1);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_error(&d), GKDC_CBOR_OK);
}

int main(void)
{
  CU_pSuite s;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  s = CU_add_suite("cwt", NULL, NULL);
  CU_add_test(s, "RFC 8392 claims set", test_rfc8392_claims);
  CU_add_test(s, "ACE claims", test_ace_claims);
  CU_add_test(s, "claim type checks", test_claim_types);
  CU_add_test(s, "NumericDate forms", test_numeric_dates);
  CU_add_test(s, "CCS with COSE_Key", test_ccs_with_cose_key);
  return gkdc_test_run();
}
