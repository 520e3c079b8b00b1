/*
 * Unit tests of diagnostic notation (gkdc_cbor_diag): plain RFC 8949
 * section 8 output, labels for CWT, COSE and COSE_Key, embedded CBOR,
 * sequences and invalid input.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/cbor.h>

#include "../gkdc-test.h"
#include "test_cbor_util.h"
#include "test_cwt_vectors.h"

/* Runs gkdc_cbor_diag on hex input; returns the output (caller frees). */
static char *diag_hex(const char *hex, unsigned flags, enum gkdc_diag_as as,
                      enum gkdc_cbor_err *err)
{
  static uint8_t buf[1024];
  size_t n = unhex(hex, buf, sizeof(buf));
  char *text = NULL;
  size_t text_len = 0;
  FILE *out = open_memstream(&text, &text_len);

  if (out == NULL)
    return NULL;
  *err = gkdc_cbor_diag(out, buf, n, flags, as);
  fclose(out);
  return text;
}

/* Checks that compact plain output of `hex` is `want` plus a newline. */
static void expect_plain(const char *hex, const char *want)
{
  enum gkdc_cbor_err err = GKDC_CBOR_ERR_INVALID;
  char *text = diag_hex(hex, 0, GKDC_DIAG_AS_AUTO, &err);
  size_t n = strlen(want);

  CU_ASSERT_EQUAL(err, GKDC_CBOR_OK);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  CU_ASSERT(strncmp(text, want, n) == 0 && text[n] == '\n' && text[n + 1] == '\0');
  if (strncmp(text, want, n) != 0)
    fprintf(stderr, "\n  got:  %s  want: %s\n", text, want);
  free(text);
}

static void test_plain(void)
{
  expect_plain("00", "0");
  expect_plain("1bffffffffffffffff", "18446744073709551615");
  expect_plain("3bffffffffffffffff", "-18446744073709551616");
  expect_plain("3b8000000000000000", "-9223372036854775809");
  expect_plain("3903e7", "-1000");
  expect_plain("40", "h''");
  expect_plain("4401020304", "h'01020304'");
  expect_plain("60", "\"\"");
  expect_plain("6622415c0a6208", "\"\\\"A\\\\\\u000ab\\u0008\"");
  expect_plain("80", "[]");
  expect_plain("a0", "{}");
  expect_plain("8301820203820405", "[1, [2, 3], [4, 5]]");
  expect_plain("a26161016162820203", "{\"a\": 1, \"b\": [2, 3]}");
  expect_plain("c11a514b67b0", "1(1363896240)");
  expect_plain("d8 3d d2 80", "61(18([]))");
  expect_plain("f4", "false");
  expect_plain("f5", "true");
  expect_plain("f6", "null");
  expect_plain("f7", "undefined");
  expect_plain("f93c00", "1.0");
  expect_plain("fb3ff199999999999a", "1.1");
  expect_plain("f97c00", "Infinity");
  expect_plain("f9fc00", "-Infinity");
  expect_plain("f97e00", "NaN");
  expect_plain("fa47c35000", "100000.0");
  /* A sequence prints its items separated by commas. */
  expect_plain("01 02 6161", "1, 2, \"a\"");
}

/* Checks that labelled pretty output of `hex` contains `want`. */
static void expect_contains(const char *hex, enum gkdc_diag_as as, const char *want)
{
  enum gkdc_cbor_err err = GKDC_CBOR_ERR_INVALID;
  char *text = diag_hex(hex, GKDC_DIAG_PRETTY | GKDC_DIAG_LABELS | GKDC_DIAG_EMBEDDED,
                        as, &err);

  CU_ASSERT_EQUAL(err, GKDC_CBOR_OK);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
  if (strstr(text, want) == NULL)
    fprintf(stderr, "\n  missing: %s\n  in:\n%s", want, text);
  free(text);
}

static void test_labels(void)
{
  expect_contains(RFC8392_SIGN1, GKDC_DIAG_AS_AUTO, "/ alg / 1: -7 / ES256 /");
  expect_contains(RFC8392_SIGN1, GKDC_DIAG_AS_AUTO, "/ iss / 1: \"coap://as.example.com\"");
  expect_contains(RFC8392_SIGN1, GKDC_DIAG_AS_AUTO, "/ payload / << {");
  expect_contains(RFC8392_MAC0, GKDC_DIAG_AS_AUTO, "61(17([");
  expect_contains(RFC8392_ENCRYPT0, GKDC_DIAG_AS_AUTO,
                  "/ IV / 5: h'99a0d7846e762c49ffe8a63e0b'");
  expect_contains(RFC8392_ENCRYPT0, GKDC_DIAG_AS_AUTO, "/ ciphertext / h'b918a11f");
  expect_contains(RFC8392_KEY_SYM128_COSE, GKDC_DIAG_AS_AUTO, "/ kty / 1: 4 / Symmetric /");
  expect_contains(RFC8392_KEY_SYM128_COSE, GKDC_DIAG_AS_AUTO, "/ k / -1: h'231f");
  expect_contains(RFC8392_CLAIMS, GKDC_DIAG_AS_AUTO, "/ cti / 7: h'0b71'");

  /* An EC2 key names crv; an untagged Encrypt0 is recognised by shape. */
  expect_contains("a3 0102 2001 214101", GKDC_DIAG_AS_COSE_KEY, "/ crv / -1: 1 / P-256 /");
  expect_contains("83 43a1010a a1 05 4100 40", GKDC_DIAG_AS_AUTO,
                  "/ untagged COSE_Encrypt0 / [");
  /* cnf with OSCORE_Input_Material, and a kccs header holding a CCS. */
  expect_contains("a1 08 a1 04 a2 00 4101 02 4102", GKDC_DIAG_AS_CLAIMS,
                  "/ osc / 4: {");
  expect_contains("a1 08 a1 04 a2 00 4101 02 4102", GKDC_DIAG_AS_CLAIMS, "/ ms / 2: h'02'");
  expect_contains("d2 84 40 a1 0e a1 02 6161 40 40", GKDC_DIAG_AS_AUTO,
                  "/ kccs / 14: {");
  expect_contains("d2 84 40 a1 0e a1 02 6161 40 40", GKDC_DIAG_AS_AUTO, "/ sub / 2: \"a\"");
  /* ACE maps: an /authz-info request with a tagged token, and a Join
   * Response with Group_OSCORE_Input_Material and a CCS in creds. */
  expect_contains("a3 01 46 d0 83 40 a0 41 00 18 28 42 0102 18 2d f6", GKDC_DIAG_AS_ACE,
                  "/ access_token / 1: << 16([");
  expect_contains("a3 01 46 d0 83 40 a0 41 00 18 28 42 0102 18 2d f6", GKDC_DIAG_AS_ACE,
                  "/ nonce1 / 40: h'0102'");
  expect_contains("a3 01 46 d0 83 40 a0 41 00 18 28 42 0102 18 2d f6", GKDC_DIAG_AS_ACE,
                  "/ sign_info / 45: null");
  expect_contains("a3 07 01 08 a2 02 42 0102 08 0e 0d 81 48 a2 02 61 61 08 a1 03 40",
                  GKDC_DIAG_AS_GROUPCOMM, "/ cred_fmt / 8: 14 / kccs /");
  expect_contains("a3 07 01 08 a2 02 42 0102 08 0e 0d 81 48 a2 02 61 61 08 a1 03 40",
                  GKDC_DIAG_AS_GROUPCOMM, "/ creds / 13: [");
  expect_contains("a3 07 01 08 a2 02 42 0102 08 0e 0d 81 48 a2 02 61 61 08 a1 03 40",
                  GKDC_DIAG_AS_GROUPCOMM, "/ kid / 3: h''");
  /* A scope bstr wrapping AIF prints embedded. */
  expect_contains("a1 09 47 81826367703106", GKDC_DIAG_AS_CLAIMS,
                  "/ scope / 9: << [");
}

static void test_invalid_input(void)
{
  static const char *const bad[] = {"a2010101 02", "9f01ff", "1817", "83 01 02", "62c328",
                                    "d2"};
  enum gkdc_cbor_err err;
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char *text = diag_hex(bad[i], GKDC_DIAG_PRETTY | GKDC_DIAG_LABELS, GKDC_DIAG_AS_AUTO,
                          &err);

    CU_ASSERT_NOT_EQUAL(err, GKDC_CBOR_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_EQUAL(text[0], '\0');
    free(text);
  }
}

static void test_deep_embedding(void)
{
  /* 40 levels of [h'<<next level>>'] around []: each byte string contains an
   * array, so each would print embedded without the depth bound. */
  uint8_t a[512];
  uint8_t b[512];
  uint8_t *inner = a;
  uint8_t *outer = b;
  size_t len = 1;
  size_t i;
  struct gkdc_cbor_enc e;
  char *text = NULL;
  size_t text_len = 0;
  FILE *out;
  size_t opened = 0;
  const char *p;

  a[0] = 0x80;
  for (i = 0; i < 40; i++) {
    uint8_t *t;

    gkdc_cbor_enc_init(&e, outer, sizeof(a));
    gkdc_cbor_enc_put_array(&e, 1);
    gkdc_cbor_enc_put_bstr(&e, inner, len);
    CU_ASSERT_EQUAL_FATAL(gkdc_cbor_enc_finish(&e, &len), GKDC_CBOR_OK);
    t = inner;
    inner = outer;
    outer = t;
  }

  out = open_memstream(&text, &text_len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_EQUAL(gkdc_cbor_diag(out, inner, len, GKDC_DIAG_EMBEDDED, GKDC_DIAG_AS_AUTO),
                  GKDC_CBOR_OK);
  fclose(out);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  for (p = text; (p = strstr(p, "<<")) != NULL; p += 2)
    opened++;
  CU_ASSERT_EQUAL(opened, 8);
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "[h'81"));
  free(text);
}

int main(void)
{
  CU_pSuite s;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  s = CU_add_suite("diag", NULL, NULL);
  CU_add_test(s, "plain notation", test_plain);
  CU_add_test(s, "labels", test_labels);
  CU_add_test(s, "invalid input prints nothing", test_invalid_input);
  CU_add_test(s, "deep embedding bounded", test_deep_embedding);
  return gkdc_test_run();
}
