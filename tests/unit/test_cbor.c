/*
 * Unit tests of the CBOR decoder and encoder (include/gkdc/cbor.h):
 * well-formed input, every rejection class, sequences, map lookup, raw
 * item bytes, encoder determinism and a bounded random-input run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/cbor.h>

#include "../gkdc-test.h"
#include "test_cbor_util.h"

/* Returns the error of validating `hex` as a single item under defaults. */
static enum gkdc_cbor_err check_hex(const char *hex)
{
  uint8_t buf[512];
  size_t n = unhex(hex, buf, sizeof(buf));

  return gkdc_cbor_validate(buf, n, NULL);
}

static void test_scalars(void)
{
  uint8_t buf[64];
  size_t n = unhex("8a 00 17 1818 3903e7 3bffffffffffffffff 43010203 6461626364 f5 f6 f93c00",
                   buf, sizeof(buf));
  struct gkdc_cbor_dec d;
  uint64_t u = 0;
  int64_t i = 0;
  struct gkdc_bytes b;
  int flag = 0;
  double f = 0;
  size_t count = 0;

  CU_ASSERT_EQUAL(gkdc_cbor_dec_init(&d, buf, n, NULL), GKDC_CBOR_OK);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_peek_type(&d), GKDC_CBOR_TYPE_ARRAY);
  CU_ASSERT(gkdc_cbor_dec_enter_array(&d, &count));
  CU_ASSERT_EQUAL(count, 10);
  CU_ASSERT(gkdc_cbor_dec_get_uint(&d, &u));
  CU_ASSERT_EQUAL(u, 0);
  CU_ASSERT(gkdc_cbor_dec_get_int(&d, &i));
  CU_ASSERT_EQUAL(i, 23);
  CU_ASSERT(gkdc_cbor_dec_get_uint(&d, &u));
  CU_ASSERT_EQUAL(u, 24);
  CU_ASSERT(gkdc_cbor_dec_get_int(&d, &i));
  CU_ASSERT_EQUAL(i, -1000);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_peek_type(&d), GKDC_CBOR_TYPE_NEGINT);
  CU_ASSERT(gkdc_cbor_dec_skip(&d));
  CU_ASSERT(gkdc_cbor_dec_get_bstr(&d, &b));
  CU_ASSERT_EQUAL(b.len, 3);
  CU_ASSERT(b.ptr == buf + 18);
  CU_ASSERT(gkdc_cbor_dec_get_tstr(&d, &b));
  CU_ASSERT_EQUAL(b.len, 4);
  CU_ASSERT_EQUAL(memcmp(b.ptr, "abcd", 4), 0);
  CU_ASSERT(gkdc_cbor_dec_get_bool(&d, &flag));
  CU_ASSERT_EQUAL(flag, 1);
  CU_ASSERT(gkdc_cbor_dec_get_null(&d));
  CU_ASSERT(gkdc_cbor_dec_get_float(&d, &f));
  CU_ASSERT_DOUBLE_EQUAL(f, 1.0, 0.0);
  CU_ASSERT(gkdc_cbor_dec_at_end(&d));
  CU_ASSERT(gkdc_cbor_dec_exit(&d));
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_OK);
}

static void test_int_range(void)
{
  uint8_t buf[16];
  size_t n;
  struct gkdc_cbor_dec d;
  int64_t i = 42;
  uint64_t u = 0;

  n = unhex("1bffffffffffffffff", buf, sizeof(buf));
  gkdc_cbor_dec_init(&d, buf, n, NULL);
  CU_ASSERT_FALSE(gkdc_cbor_dec_get_int(&d, &i));
  CU_ASSERT_EQUAL(i, 42);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_ERR_RANGE);

  gkdc_cbor_dec_init(&d, buf, n, NULL);
  CU_ASSERT(gkdc_cbor_dec_get_uint(&d, &u));
  CU_ASSERT_EQUAL(u, UINT64_MAX);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_OK);

  /* -2^63 is the smallest int64_t and must decode. */
  n = unhex("3b7fffffffffffffff", buf, sizeof(buf));
  gkdc_cbor_dec_init(&d, buf, n, NULL);
  CU_ASSERT(gkdc_cbor_dec_get_int(&d, &i));
  CU_ASSERT_EQUAL(i, INT64_MIN);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_OK);

  n = unhex("3b8000000000000000", buf, sizeof(buf));
  gkdc_cbor_dec_init(&d, buf, n, NULL);
  CU_ASSERT_FALSE(gkdc_cbor_dec_get_int(&d, &i));
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_ERR_RANGE);
}

static void test_truncated(void)
{
  uint8_t buf[64];
  size_t n = unhex("a3 01 63616263 02 82 1903e8 4401020304 63 6b6579 d8 3d 5820"
                   "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f",
                   buf, sizeof(buf));
  size_t cut;

  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf, n, NULL), GKDC_CBOR_OK);

  /* Every proper prefix fails: either the input ends inside an item or a
   * count promises more items than bytes remain. */
  for (cut = 0; cut < n; cut++) {
    enum gkdc_cbor_err err = gkdc_cbor_validate(buf, cut, NULL);

    CU_ASSERT(err == GKDC_CBOR_ERR_TRUNCATED || err == GKDC_CBOR_ERR_BAD_COUNT);
  }

  CU_ASSERT_EQUAL(check_hex("19 03"), GKDC_CBOR_ERR_TRUNCATED);
  CU_ASSERT_EQUAL(check_hex("45 0102"), GKDC_CBOR_ERR_TRUNCATED);
  CU_ASSERT_EQUAL(check_hex("5b 0000000100000000 00"), GKDC_CBOR_ERR_TRUNCATED);
  CU_ASSERT_EQUAL(check_hex("7b ffffffffffffffff 00"), GKDC_CBOR_ERR_TRUNCATED);
  CU_ASSERT_EQUAL(check_hex("d8"), GKDC_CBOR_ERR_TRUNCATED);
  CU_ASSERT_EQUAL(check_hex("d2"), GKDC_CBOR_ERR_TRUNCATED);
  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf, 0, NULL), GKDC_CBOR_ERR_TRUNCATED);
}

static void test_indefinite(void)
{
  CU_ASSERT_EQUAL(check_hex("5f 4101 ff"), GKDC_CBOR_ERR_INDEFINITE);
  CU_ASSERT_EQUAL(check_hex("7f 6161 ff"), GKDC_CBOR_ERR_INDEFINITE);
  CU_ASSERT_EQUAL(check_hex("9f 01 ff"), GKDC_CBOR_ERR_INDEFINITE);
  CU_ASSERT_EQUAL(check_hex("bf 01 02 ff"), GKDC_CBOR_ERR_INDEFINITE);
  CU_ASSERT_EQUAL(check_hex("82 01 9f ff"), GKDC_CBOR_ERR_INDEFINITE);
  CU_ASSERT_EQUAL(check_hex("ff"), GKDC_CBOR_ERR_MALFORMED);
  CU_ASSERT_EQUAL(check_hex("81 ff"), GKDC_CBOR_ERR_MALFORMED);
}

static void test_malformed(void)
{
  CU_ASSERT_EQUAL(check_hex("1c"), GKDC_CBOR_ERR_MALFORMED);
  CU_ASSERT_EQUAL(check_hex("5d"), GKDC_CBOR_ERR_MALFORMED);
  CU_ASSERT_EQUAL(check_hex("fe"), GKDC_CBOR_ERR_MALFORMED);
  CU_ASSERT_EQUAL(check_hex("e0"), GKDC_CBOR_ERR_MALFORMED);
  CU_ASSERT_EQUAL(check_hex("f0"), GKDC_CBOR_ERR_MALFORMED);
  CU_ASSERT_EQUAL(check_hex("f8 20"), GKDC_CBOR_ERR_MALFORMED);
  CU_ASSERT_EQUAL(check_hex("f8 05"), GKDC_CBOR_ERR_MALFORMED);
  CU_ASSERT_EQUAL(check_hex("62 c328"), GKDC_CBOR_ERR_BAD_UTF8);
  CU_ASSERT_EQUAL(check_hex("62 c0af"), GKDC_CBOR_ERR_BAD_UTF8);
  CU_ASSERT_EQUAL(check_hex("63 eda080"), GKDC_CBOR_ERR_BAD_UTF8);
  CU_ASSERT_EQUAL(check_hex("64 f4908080"), GKDC_CBOR_ERR_BAD_UTF8);
  CU_ASSERT_EQUAL(check_hex("64 f09f9880"), GKDC_CBOR_OK);
  CU_ASSERT_EQUAL(check_hex("01 02"), GKDC_CBOR_ERR_TRAILING);
  CU_ASSERT_EQUAL(check_hex("a1 01 02 00"), GKDC_CBOR_ERR_TRAILING);
}

static void test_not_shortest(void)
{
  CU_ASSERT_EQUAL(check_hex("18 17"), GKDC_CBOR_ERR_NOT_SHORTEST);
  CU_ASSERT_EQUAL(check_hex("18 18"), GKDC_CBOR_OK);
  CU_ASSERT_EQUAL(check_hex("19 00ff"), GKDC_CBOR_ERR_NOT_SHORTEST);
  CU_ASSERT_EQUAL(check_hex("1a 0000ffff"), GKDC_CBOR_ERR_NOT_SHORTEST);
  CU_ASSERT_EQUAL(check_hex("1b 00000000ffffffff"), GKDC_CBOR_ERR_NOT_SHORTEST);
  CU_ASSERT_EQUAL(check_hex("38 00"), GKDC_CBOR_ERR_NOT_SHORTEST);
  CU_ASSERT_EQUAL(check_hex("58 01 00"), GKDC_CBOR_ERR_NOT_SHORTEST);
  CU_ASSERT_EQUAL(check_hex("78 01 61"), GKDC_CBOR_ERR_NOT_SHORTEST);
  CU_ASSERT_EQUAL(check_hex("98 01 00"), GKDC_CBOR_ERR_NOT_SHORTEST);
  CU_ASSERT_EQUAL(check_hex("b8 01 00 00"), GKDC_CBOR_ERR_NOT_SHORTEST);
  CU_ASSERT_EQUAL(check_hex("d8 10 80"), GKDC_CBOR_ERR_NOT_SHORTEST);
  CU_ASSERT_EQUAL(check_hex("81 19 0001"), GKDC_CBOR_ERR_NOT_SHORTEST);
}

/* Builds `levels` nested one-element arrays around 0. */
static size_t nested_arrays(uint8_t *buf, size_t levels)
{
  size_t i;

  for (i = 0; i < levels; i++)
    buf[i] = 0x81;
  buf[levels] = 0x00;
  return levels + 1;
}

static void test_depth(void)
{
  uint8_t buf[128];
  struct gkdc_cbor_limits lim = {0, 4};
  struct gkdc_cbor_dec d;
  size_t n;
  size_t i;

  n = nested_arrays(buf, GKDC_CBOR_DEFAULT_MAX_DEPTH);
  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf, n, NULL), GKDC_CBOR_OK);
  n = nested_arrays(buf, GKDC_CBOR_DEFAULT_MAX_DEPTH + 1);
  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf, n, NULL), GKDC_CBOR_ERR_TOO_DEEP);
  n = nested_arrays(buf, 100);
  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf, n, NULL), GKDC_CBOR_ERR_TOO_DEEP);

  n = nested_arrays(buf, 4);
  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf, n, &lim), GKDC_CBOR_OK);
  n = nested_arrays(buf, 5);
  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf, n, &lim), GKDC_CBOR_ERR_TOO_DEEP);

  /* Tags count as nesting levels: 5 tags around 0 exceed a depth of 4. */
  for (i = 0; i < 5; i++)
    buf[i] = 0xc1;
  buf[5] = 0x00;
  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf, 6, &lim), GKDC_CBOR_ERR_TOO_DEEP);
  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf + 1, 5, &lim), GKDC_CBOR_OK);

  /* Maps nest too. */
  n = unhex("a1 01 a1 01 a1 01 a1 01 a1 01 00", buf, sizeof(buf));
  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf, n, &lim), GKDC_CBOR_ERR_TOO_DEEP);

  /* The decoder can enter every level the limits allow. */
  n = nested_arrays(buf, GKDC_CBOR_DEFAULT_MAX_DEPTH);
  gkdc_cbor_dec_init(&d, buf, n, NULL);
  for (i = 0; i < GKDC_CBOR_DEFAULT_MAX_DEPTH; i++)
    CU_ASSERT(gkdc_cbor_dec_enter_array(&d, NULL));
  CU_ASSERT(gkdc_cbor_dec_skip(&d));
  for (i = 0; i < GKDC_CBOR_DEFAULT_MAX_DEPTH; i++)
    CU_ASSERT(gkdc_cbor_dec_exit(&d));
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_OK);
}

static void test_duplicate_keys(void)
{
  uint8_t buf[256];
  size_t n;
  size_t i;

  CU_ASSERT_EQUAL(check_hex("a2 01 01 01 02"), GKDC_CBOR_ERR_DUPLICATE_KEY);
  CU_ASSERT_EQUAL(check_hex("a2 6161 01 6161 02"), GKDC_CBOR_ERR_DUPLICATE_KEY);
  CU_ASSERT_EQUAL(check_hex("a2 20 01 20 02"), GKDC_CBOR_ERR_DUPLICATE_KEY);
  CU_ASSERT_EQUAL(check_hex("a2 01 01 21 02"), GKDC_CBOR_OK);
  CU_ASSERT_EQUAL(check_hex("a2 6161 01 4161 02"), GKDC_CBOR_OK);
  CU_ASSERT_EQUAL(check_hex("a2 820102 00 820102 01"), GKDC_CBOR_ERR_DUPLICATE_KEY);
  CU_ASSERT_EQUAL(check_hex("81 a1 01 a2 05 00 05 01"), GKDC_CBOR_ERR_DUPLICATE_KEY);

  /* A large map (sorted on the heap) with one duplicate at the end. */
  buf[0] = 0xb8;
  buf[1] = 40;
  n = 2;
  for (i = 0; i < 40; i++) {
    buf[n++] = 0x18;
    buf[n++] = (uint8_t)(100 + i);
    buf[n++] = 0xf6;
  }
  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf, n, NULL), GKDC_CBOR_OK);
  buf[n - 2] = 100;
  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf, n, NULL), GKDC_CBOR_ERR_DUPLICATE_KEY);
}

static void test_huge_counts(void)
{
  struct gkdc_cbor_limits small = {16, 0};
  uint8_t buf[32];
  size_t n;

  CU_ASSERT_EQUAL(check_hex("9b ffffffffffffffff"), GKDC_CBOR_ERR_BAD_COUNT);
  CU_ASSERT_EQUAL(check_hex("9a 7fffffff 00"), GKDC_CBOR_ERR_BAD_COUNT);
  CU_ASSERT_EQUAL(check_hex("bb ffffffffffffffff"), GKDC_CBOR_ERR_BAD_COUNT);
  CU_ASSERT_EQUAL(check_hex("ba 00010000 00 00"), GKDC_CBOR_ERR_BAD_COUNT);
  CU_ASSERT_EQUAL(check_hex("83 01 02"), GKDC_CBOR_ERR_BAD_COUNT);
  CU_ASSERT_EQUAL(check_hex("a2 01 02 03"), GKDC_CBOR_ERR_BAD_COUNT);
  CU_ASSERT_EQUAL(check_hex("81 9b ffffffffffffffff"), GKDC_CBOR_ERR_BAD_COUNT);

  /* Oversize input is rejected before it is read. */
  n = unhex("50 000102030405060708090a0b0c0d0e0f", buf, sizeof(buf));
  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf, n, &small), GKDC_CBOR_ERR_TOO_LARGE);
  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf, n - 1, &small), GKDC_CBOR_ERR_TRUNCATED);
  buf[0] = 0x4f;
  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf, n - 1, &small), GKDC_CBOR_OK);
}

static void test_wrong_types(void)
{
  uint8_t buf[32];
  size_t n = unhex("83 6161 01 40", buf, sizeof(buf));
  struct gkdc_cbor_dec d;
  uint64_t u = 7;
  struct gkdc_bytes b = {NULL, 0};

  gkdc_cbor_dec_init(&d, buf, n, NULL);
  CU_ASSERT(gkdc_cbor_dec_enter_array(&d, NULL));
  CU_ASSERT_FALSE(gkdc_cbor_dec_get_uint(&d, &u));
  CU_ASSERT_EQUAL(u, 7);
  /* The error is sticky: the next getter fails even with the right type. */
  CU_ASSERT_FALSE(gkdc_cbor_dec_get_tstr(&d, &b));
  CU_ASSERT_PTR_NULL(b.ptr);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_peek_type(&d), GKDC_CBOR_TYPE_NONE);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_ERR_TYPE);

  gkdc_cbor_dec_init(&d, buf, n, NULL);
  CU_ASSERT_FALSE(gkdc_cbor_dec_enter_map(&d, NULL));
  CU_ASSERT_EQUAL(gkdc_cbor_dec_error(&d), GKDC_CBOR_ERR_TYPE);

  /* Reading past the end of a container. */
  gkdc_cbor_dec_init(&d, buf, n, NULL);
  gkdc_cbor_dec_enter_array(&d, NULL);
  gkdc_cbor_dec_skip(&d);
  gkdc_cbor_dec_skip(&d);
  gkdc_cbor_dec_skip(&d);
  CU_ASSERT(gkdc_cbor_dec_at_end(&d));
  CU_ASSERT_FALSE(gkdc_cbor_dec_skip(&d));
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_ERR_NO_MORE);

  /* Finishing inside a container or before reading the item. */
  gkdc_cbor_dec_init(&d, buf, n, NULL);
  gkdc_cbor_dec_enter_array(&d, NULL);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_ERR_NESTING);
  gkdc_cbor_dec_init(&d, buf, n, NULL);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_ERR_UNCONSUMED);
  gkdc_cbor_dec_init(&d, buf, n, NULL);
  CU_ASSERT_FALSE(gkdc_cbor_dec_exit(&d));
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_ERR_NESTING);

  /* A getter on a decoder whose input failed validation. */
  gkdc_cbor_dec_init(&d, buf, 3, NULL);
  CU_ASSERT_FALSE(gkdc_cbor_dec_get_uint(&d, &u));
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_ERR_BAD_COUNT);
}

static void test_exit_skips_rest(void)
{
  uint8_t buf[32];
  size_t n = unhex("82 83 01 a1 02 03 04 05", buf, sizeof(buf));
  struct gkdc_cbor_dec d;
  uint64_t u = 0;

  gkdc_cbor_dec_init(&d, buf, n, NULL);
  gkdc_cbor_dec_enter_array(&d, NULL);
  gkdc_cbor_dec_enter_array(&d, NULL);
  gkdc_cbor_dec_get_uint(&d, &u);
  CU_ASSERT_EQUAL(u, 1);
  CU_ASSERT(gkdc_cbor_dec_exit(&d));
  CU_ASSERT(gkdc_cbor_dec_get_uint(&d, &u));
  CU_ASSERT_EQUAL(u, 5);
  CU_ASSERT(gkdc_cbor_dec_at_end(&d));
  gkdc_cbor_dec_exit(&d);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_OK);

  /* Exit also skips a tag whose content was not read. */
  n = unhex("82 d2 01 05", buf, sizeof(buf));
  gkdc_cbor_dec_init(&d, buf, n, NULL);
  gkdc_cbor_dec_enter_array(&d, NULL);
  CU_ASSERT(gkdc_cbor_dec_skip_tag(&d, 18));
  CU_ASSERT(gkdc_cbor_dec_exit(&d));
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_OK);
}

static void test_tags(void)
{
  uint8_t buf[64];
  /* [16(1), 17(2), 18(3), 61(4), 96(5), 98(6), 1668547115(h'')] */
  size_t n = unhex("87 d0 01 d1 02 d2 03 d8 3d 04 d8 60 05 d8 62 06 da 6374022b 40",
                   buf, sizeof(buf));
  static const uint64_t want[] = {16, 17, 18, 61, 96, 98};
  struct gkdc_cbor_dec d;
  uint64_t tag = 0;
  uint64_t u = 0;
  struct gkdc_bytes b;
  size_t i;

  CU_ASSERT_EQUAL(gkdc_cbor_dec_init(&d, buf, n, NULL), GKDC_CBOR_OK);
  gkdc_cbor_dec_enter_array(&d, NULL);
  for (i = 0; i < 6; i++) {
    CU_ASSERT_EQUAL(gkdc_cbor_dec_peek_type(&d), GKDC_CBOR_TYPE_TAG);
    CU_ASSERT(gkdc_cbor_dec_get_tag(&d, &tag));
    CU_ASSERT_EQUAL(tag, want[i]);
    CU_ASSERT_FALSE(gkdc_cbor_dec_at_end(&d));
    CU_ASSERT(gkdc_cbor_dec_get_uint(&d, &u));
    CU_ASSERT_EQUAL(u, i + 1);
  }
  CU_ASSERT_FALSE(gkdc_cbor_dec_skip_tag(&d, 61));
  CU_ASSERT(gkdc_cbor_dec_skip_tag(&d, 1668547115));
  CU_ASSERT(gkdc_cbor_dec_get_bstr(&d, &b));
  CU_ASSERT_EQUAL(b.len, 0);
  CU_ASSERT(gkdc_cbor_dec_at_end(&d));
  gkdc_cbor_dec_exit(&d);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_OK);

  /* A tag whose content is never read leaves the item unconsumed. */
  n = unhex("d2 01", buf, sizeof(buf));
  gkdc_cbor_dec_init(&d, buf, n, NULL);
  gkdc_cbor_dec_get_tag(&d, &tag);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_ERR_UNCONSUMED);
}

static void test_raw_bytes(void)
{
  uint8_t buf[64];
  size_t n = unhex("a2 08 a1 01 a2 01 04 20 41 aa 09 47 818263677031 06", buf, sizeof(buf));
  struct gkdc_cbor_dec d;
  struct gkdc_cbor_dec v;
  struct gkdc_bytes raw;
  int64_t key = 0;

  gkdc_cbor_dec_init(&d, buf, n, NULL);
  gkdc_cbor_dec_enter_map(&d, NULL);
  CU_ASSERT(gkdc_cbor_dec_get_int(&d, &key));
  CU_ASSERT(gkdc_cbor_dec_get_raw(&d, &raw));
  CU_ASSERT(raw.ptr == buf + 2);
  CU_ASSERT_EQUAL(raw.len, 8);
  CU_ASSERT(gkdc_cbor_dec_get_int(&d, &key));
  CU_ASSERT_EQUAL(key, 9);
  CU_ASSERT(gkdc_cbor_dec_get_raw(&d, &raw));
  CU_ASSERT_EQUAL(raw.len, 8);
  CU_ASSERT_EQUAL(raw.ptr[0], 0x47);
  gkdc_cbor_dec_exit(&d);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_OK);

  /* The raw bytes of a value found by lookup, including its tag. */
  n = unhex("a1 61 74 d8 3d 82 01 02", buf, sizeof(buf));
  gkdc_cbor_dec_init(&d, buf, n, NULL);
  gkdc_cbor_dec_enter_map(&d, NULL);
  CU_ASSERT(gkdc_cbor_dec_map_find_tstr(&d, "t", &v));
  CU_ASSERT(gkdc_cbor_dec_get_raw(&v, &raw));
  CU_ASSERT_EQUAL(raw.len, 5);
  CU_ASSERT(raw.ptr == buf + 3);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&v), GKDC_CBOR_OK);
}

static void test_map_find(void)
{
  uint8_t buf[64];
  /* {1: "a", -4: h'01', "k": [1, 2], 39: null} */
  size_t n = unhex("a4 01 6161 23 4101 61 6b 82 01 02 18 27 f6", buf, sizeof(buf));
  struct gkdc_cbor_dec d;
  struct gkdc_cbor_dec v;
  struct gkdc_bytes b;
  uint64_t u = 0;
  int64_t k = 0;

  gkdc_cbor_dec_init(&d, buf, n, NULL);
  gkdc_cbor_dec_enter_map(&d, NULL);

  /* The cursor stays put: read the first key, then look up others. */
  CU_ASSERT(gkdc_cbor_dec_get_int(&d, &k));
  CU_ASSERT_EQUAL(k, 1);
  CU_ASSERT(gkdc_cbor_dec_map_find_int(&d, -4, &v));
  CU_ASSERT(gkdc_cbor_dec_get_bstr(&v, &b));
  CU_ASSERT_EQUAL(b.len, 1);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&v), GKDC_CBOR_OK);
  CU_ASSERT(gkdc_cbor_dec_map_find_int(&d, 39, &v));
  CU_ASSERT(gkdc_cbor_dec_get_null(&v));
  CU_ASSERT(gkdc_cbor_dec_map_find_tstr(&d, "k", &v));
  CU_ASSERT(gkdc_cbor_dec_enter_array(&v, NULL));
  CU_ASSERT(gkdc_cbor_dec_get_uint(&v, &u));
  CU_ASSERT(gkdc_cbor_dec_get_uint(&v, &u));
  CU_ASSERT_EQUAL(u, 2);
  CU_ASSERT(gkdc_cbor_dec_exit(&v));
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&v), GKDC_CBOR_OK);

  /* Absent keys are not errors; a text key never matches an int key. */
  CU_ASSERT_FALSE(gkdc_cbor_dec_map_find_int(&d, 2, &v));
  CU_ASSERT_FALSE(gkdc_cbor_dec_map_find_int(&d, 4, &v));
  CU_ASSERT_FALSE(gkdc_cbor_dec_map_find_tstr(&d, "a", &v));
  CU_ASSERT_FALSE(gkdc_cbor_dec_map_find_tstr(&d, "kk", &v));
  CU_ASSERT_EQUAL(gkdc_cbor_dec_error(&d), GKDC_CBOR_OK);

  CU_ASSERT(gkdc_cbor_dec_get_tstr(&d, &b));
  gkdc_cbor_dec_exit(&d);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_OK);

  /* A type error in a sub-decoder reaches the parent. */
  gkdc_cbor_dec_init(&d, buf, n, NULL);
  gkdc_cbor_dec_enter_map(&d, NULL);
  CU_ASSERT(gkdc_cbor_dec_map_find_int(&d, 1, &v));
  CU_ASSERT_FALSE(gkdc_cbor_dec_get_uint(&v, &u));
  CU_ASSERT_EQUAL(gkdc_cbor_dec_error(&d), GKDC_CBOR_ERR_TYPE);

  /* Lookup outside a map is a type error. */
  gkdc_cbor_dec_init(&d, buf, n, NULL);
  CU_ASSERT_FALSE(gkdc_cbor_dec_map_find_int(&d, 1, &v));
  CU_ASSERT_EQUAL(gkdc_cbor_dec_error(&d), GKDC_CBOR_ERR_TYPE);
}

static void test_sequence(void)
{
  uint8_t buf[64];
  /* 1, "hi", {1: 2}, [], then a truncated array. */
  size_t n = unhex("01 6268 69 a1 01 02 80 82 01", buf, sizeof(buf));
  struct gkdc_cbor_dec d;
  uint64_t u = 0;
  struct gkdc_bytes b;
  size_t count = 9;

  CU_ASSERT_EQUAL(gkdc_cbor_dec_init(&d, buf, n, NULL), GKDC_CBOR_ERR_TRAILING);

  CU_ASSERT_EQUAL(gkdc_cbor_dec_init_seq(&d, buf, n, NULL), GKDC_CBOR_OK);
  CU_ASSERT(gkdc_cbor_dec_get_uint(&d, &u));
  CU_ASSERT_EQUAL(u, 1);
  CU_ASSERT(gkdc_cbor_dec_get_tstr(&d, &b));
  CU_ASSERT_EQUAL(b.len, 2);
  CU_ASSERT(gkdc_cbor_dec_enter_map(&d, &count));
  CU_ASSERT_EQUAL(count, 1);
  CU_ASSERT(gkdc_cbor_dec_exit(&d));
  CU_ASSERT(gkdc_cbor_dec_enter_array(&d, &count));
  CU_ASSERT_EQUAL(count, 0);
  CU_ASSERT(gkdc_cbor_dec_exit(&d));
  CU_ASSERT_EQUAL(gkdc_cbor_dec_error(&d), GKDC_CBOR_OK);

  /* The broken fifth item fails only when reached. */
  CU_ASSERT_EQUAL(gkdc_cbor_dec_peek_type(&d), GKDC_CBOR_TYPE_NONE);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_ERR_BAD_COUNT);

  /* The well-formed prefix is a complete sequence. */
  gkdc_cbor_dec_init_seq(&d, buf, n - 2, NULL);
  while (!gkdc_cbor_dec_at_end(&d))
    gkdc_cbor_dec_skip(&d);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_OK);

  /* An empty sequence is valid. */
  gkdc_cbor_dec_init_seq(&d, buf, 0, NULL);
  CU_ASSERT(gkdc_cbor_dec_at_end(&d));
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_OK);
}

/* Encodes one sample of every put into buf; returns the length or 0. */
static size_t encode_sample(uint8_t *buf, size_t cap)
{
  static const uint8_t bytes[3] = {1, 2, 3};
  struct gkdc_cbor_enc e;
  size_t len = 0;

  gkdc_cbor_enc_init(&e, buf, cap);
  gkdc_cbor_enc_put_array(&e, 10);
  gkdc_cbor_enc_put_uint(&e, 0);
  gkdc_cbor_enc_put_int(&e, 23);
  gkdc_cbor_enc_put_uint(&e, 24);
  gkdc_cbor_enc_put_int(&e, -1000);
  gkdc_cbor_enc_put_int(&e, INT64_MIN);
  gkdc_cbor_enc_put_bstr(&e, bytes, 3);
  gkdc_cbor_enc_put_tstr_z(&e, "abcd");
  gkdc_cbor_enc_put_bool(&e, 1);
  gkdc_cbor_enc_put_null(&e);
  gkdc_cbor_enc_put_tag(&e, 18);
  gkdc_cbor_enc_put_raw(&e, (const uint8_t *)"\x80", 1);
  if (gkdc_cbor_enc_finish(&e, &len) != GKDC_CBOR_OK)
    return 0;
  return len;
}

static void test_encoder_basic(void)
{
  uint8_t want[64];
  size_t want_len = unhex("8a 00 17 1818 3903e7 3b7fffffffffffffff 43010203 6461626364 f5 f6 d2 80",
                          want, sizeof(want));
  uint8_t buf[64];
  size_t len = encode_sample(buf, sizeof(buf));
  size_t cap;
  struct gkdc_cbor_enc e;
  size_t need = 0;

  CU_ASSERT_EQUAL(len, want_len);
  CU_ASSERT_EQUAL(memcmp(buf, want, want_len), 0);
  CU_ASSERT_EQUAL(gkdc_cbor_validate(buf, len, NULL), GKDC_CBOR_OK);

  /* Size-only mode gives the same length. */
  CU_ASSERT_EQUAL(encode_sample(NULL, 0), want_len);

  /* Every capacity short of the length overflows without writing past. */
  for (cap = 0; cap < want_len; cap++) {
    memset(buf, 0xee, sizeof(buf));
    CU_ASSERT_EQUAL(encode_sample(buf, cap), 0);
    CU_ASSERT_EQUAL(buf[cap], 0xee);
  }

  /* The overflow error is sticky. */
  gkdc_cbor_enc_init(&e, buf, 2);
  gkdc_cbor_enc_put_uint(&e, 1000);
  gkdc_cbor_enc_put_uint(&e, 1);
  CU_ASSERT_EQUAL(gkdc_cbor_enc_finish(&e, &need), GKDC_CBOR_ERR_OVERFLOW);
  CU_ASSERT_EQUAL(need, 0);

  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  gkdc_cbor_enc_put_bstr(&e, NULL, 3);
  CU_ASSERT_EQUAL(gkdc_cbor_enc_finish(&e, NULL), GKDC_CBOR_ERR_INVALID);
}

/* Encodes the RFC 8949 section 4.2.1 key set in the order `perm`. */
static size_t encode_keys(uint8_t *buf, size_t cap, const int *perm)
{
  struct gkdc_cbor_enc e;
  size_t mark;
  size_t len = 0;
  int i;

  gkdc_cbor_enc_init(&e, buf, cap);
  mark = gkdc_cbor_enc_map_begin(&e);
  for (i = 0; i < 8; i++) {
    switch (perm[i]) {
    case 0: gkdc_cbor_enc_put_uint(&e, 10); break;
    case 1: gkdc_cbor_enc_put_uint(&e, 100); break;
    case 2: gkdc_cbor_enc_put_int(&e, -1); break;
    case 3: gkdc_cbor_enc_put_tstr_z(&e, "z"); break;
    case 4: gkdc_cbor_enc_put_tstr_z(&e, "aa"); break;
    case 5: gkdc_cbor_enc_put_array(&e, 1); gkdc_cbor_enc_put_uint(&e, 100); break;
    case 6: gkdc_cbor_enc_put_array(&e, 1); gkdc_cbor_enc_put_int(&e, -1); break;
    default: gkdc_cbor_enc_put_bool(&e, 0); break;
    }
    gkdc_cbor_enc_put_uint(&e, (uint64_t)perm[i]);
  }
  gkdc_cbor_enc_map_end(&e, mark, 8);
  if (gkdc_cbor_enc_finish(&e, &len) != GKDC_CBOR_OK)
    return 0;
  return len;
}

static void test_encoder_deterministic(void)
{
  /* RFC 8949 section 4.2.1: 10, 100, -1, "z", "aa", [100], [-1], false. */
  uint8_t want[64];
  size_t want_len = unhex("a8 0a00 186401 2002 617a03 62616104 81186405 812006 f407",
                          want, sizeof(want));
  static const int orders[4][8] = {
      {0, 1, 2, 3, 4, 5, 6, 7},
      {7, 6, 5, 4, 3, 2, 1, 0},
      {3, 0, 7, 4, 1, 6, 2, 5},
      {4, 5, 6, 7, 0, 1, 2, 3},
  };
  uint8_t buf[64];
  size_t i;

  for (i = 0; i < 4; i++) {
    size_t len = encode_keys(buf, sizeof(buf), orders[i]);

    CU_ASSERT_EQUAL(len, want_len);
    CU_ASSERT_EQUAL(memcmp(buf, want, want_len), 0);
    CU_ASSERT_EQUAL(encode_keys(NULL, 0, orders[i]), want_len);
  }
}

static void test_encoder_maps_nested(void)
{
  uint8_t want[64];
  /* {1: h'a10126', 8: {1: {-1: h'00', 1: 1}}} with the inner maps sorted too. */
  size_t want_len = unhex("a2 01 43a10126 08 a1 01 a2 01 01 20 4100", want, sizeof(want));
  uint8_t buf[64];
  struct gkdc_cbor_enc e;
  size_t outer;
  size_t cnf;
  size_t key;
  size_t wrap;
  size_t len = 0;

  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  outer = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_uint(&e, 8);
  cnf = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_uint(&e, 1);
  key = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_int(&e, -1);
  gkdc_cbor_enc_put_bstr(&e, (const uint8_t *)"", 1);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_map_end(&e, key, 2);
  gkdc_cbor_enc_map_end(&e, cnf, 1);
  gkdc_cbor_enc_put_uint(&e, 1);
  wrap = gkdc_cbor_enc_bstr_begin(&e);
  gkdc_cbor_enc_put_map(&e, 1);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_put_int(&e, -7);
  gkdc_cbor_enc_bstr_end(&e, wrap);
  gkdc_cbor_enc_map_end(&e, outer, 2);
  CU_ASSERT_EQUAL(gkdc_cbor_enc_finish(&e, &len), GKDC_CBOR_OK);
  CU_ASSERT_EQUAL(len, want_len);
  CU_ASSERT_EQUAL(memcmp(buf, want, want_len), 0);

  /* Duplicate keys and a wrong pair count are rejected. */
  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  outer = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_put_uint(&e, 2);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_put_uint(&e, 3);
  gkdc_cbor_enc_map_end(&e, outer, 2);
  CU_ASSERT_EQUAL(gkdc_cbor_enc_finish(&e, NULL), GKDC_CBOR_ERR_DUPLICATE_KEY);

  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  outer = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_put_uint(&e, 2);
  gkdc_cbor_enc_put_uint(&e, 3);
  gkdc_cbor_enc_map_end(&e, outer, 1);
  CU_ASSERT_EQUAL(gkdc_cbor_enc_finish(&e, NULL), GKDC_CBOR_ERR_INVALID);

  /* A map head that does not fit overflows. */
  gkdc_cbor_enc_init(&e, buf, 2);
  outer = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_put_uint(&e, 2);
  gkdc_cbor_enc_map_end(&e, outer, 1);
  CU_ASSERT_EQUAL(gkdc_cbor_enc_finish(&e, NULL), GKDC_CBOR_ERR_OVERFLOW);
}

static void test_encoder_large_map(void)
{
  /* 300 pairs exercise the heap path and a 3-byte map head. */
  enum { PAIRS = 300 };
  static uint8_t buf[4096];
  struct gkdc_cbor_enc e;
  struct gkdc_cbor_dec d;
  size_t mark;
  size_t len = 0;
  size_t count = 0;
  int64_t prev = -1;
  size_t i;

  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  mark = gkdc_cbor_enc_map_begin(&e);
  for (i = 0; i < PAIRS; i++) {
    gkdc_cbor_enc_put_uint(&e, (uint64_t)((i * 7919) % PAIRS));
    gkdc_cbor_enc_put_uint(&e, (uint64_t)i);
  }
  gkdc_cbor_enc_map_end(&e, mark, PAIRS);
  CU_ASSERT_EQUAL_FATAL(gkdc_cbor_enc_finish(&e, &len), GKDC_CBOR_OK);

  CU_ASSERT_EQUAL(gkdc_cbor_dec_init(&d, buf, len, NULL), GKDC_CBOR_OK);
  CU_ASSERT(gkdc_cbor_dec_enter_map(&d, &count));
  CU_ASSERT_EQUAL(count, PAIRS);
  for (i = 0; i < PAIRS; i++) {
    int64_t k = -1;

    gkdc_cbor_dec_get_int(&d, &k);
    CU_ASSERT(k > prev);
    prev = k;
    gkdc_cbor_dec_skip(&d);
  }
  gkdc_cbor_dec_exit(&d);
  CU_ASSERT_EQUAL(gkdc_cbor_dec_finish(&d), GKDC_CBOR_OK);
}

/* Reads every item of a validated decoder with the generic getters. */
static void walk(struct gkdc_cbor_dec *d, int budget)
{
  while (!gkdc_cbor_dec_at_end(d) && budget-- > 0) {
    uint64_t u;
    int64_t i;
    struct gkdc_bytes b;
    double f;
    int flag;

    switch (gkdc_cbor_dec_peek_type(d)) {
    case GKDC_CBOR_TYPE_UINT: gkdc_cbor_dec_get_uint(d, &u); break;
    case GKDC_CBOR_TYPE_NEGINT:
      if (!gkdc_cbor_dec_get_int(d, &i))
        return;
      break;
    case GKDC_CBOR_TYPE_BSTR: gkdc_cbor_dec_get_bstr(d, &b); break;
    case GKDC_CBOR_TYPE_TSTR: gkdc_cbor_dec_get_tstr(d, &b); break;
    case GKDC_CBOR_TYPE_TAG: gkdc_cbor_dec_get_tag(d, &u); break;
    case GKDC_CBOR_TYPE_FLOAT: gkdc_cbor_dec_get_float(d, &f); break;
    case GKDC_CBOR_TYPE_TRUE:
    case GKDC_CBOR_TYPE_FALSE: gkdc_cbor_dec_get_bool(d, &flag); break;
    case GKDC_CBOR_TYPE_ARRAY:
      gkdc_cbor_dec_enter_array(d, NULL);
      walk(d, budget);
      gkdc_cbor_dec_exit(d);
      break;
    case GKDC_CBOR_TYPE_MAP:
      gkdc_cbor_dec_enter_map(d, NULL);
      walk(d, budget);
      gkdc_cbor_dec_exit(d);
      break;
    default: gkdc_cbor_dec_skip(d); break;
    }
  }
}

static void test_random_input(void)
{
  size_t rounds = gkdc_test_scaled(20000, 500);
  uint8_t seed[64];
  size_t seed_len = unhex("a3 01 82 d8 3d 43 a10126 a1 0444 6b696431 18 27 83 f5 f6 f93c00"
                          " 63 616263 d2 84 40 a0 f6 40",
                          seed, sizeof(seed));
  uint8_t buf[64];
  size_t ok = 0;
  size_t r;

  CU_ASSERT_EQUAL_FATAL(gkdc_cbor_validate(seed, seed_len, NULL), GKDC_CBOR_OK);
  srand(12345);
  for (r = 0; r < rounds; r++) {
    struct gkdc_cbor_dec d;
    size_t n = seed_len;
    int flips = 1 + rand() % 4;

    memcpy(buf, seed, seed_len);
    while (flips-- > 0)
      buf[rand() % seed_len] = (uint8_t)rand();
    if (rand() % 4 == 0)
      n = (size_t)rand() % seed_len;

    if (gkdc_cbor_dec_init(&d, buf, n, NULL) == GKDC_CBOR_OK) {
      walk(&d, 1000);
      ok += gkdc_cbor_dec_finish(&d) == GKDC_CBOR_OK;
    }
  }
  /* Some mutants stay valid, so the walk really ran. */
  CU_ASSERT(ok > 0);
}

int main(void)
{
  CU_pSuite s;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  s = CU_add_suite("cbor", NULL, NULL);
  CU_add_test(s, "decode scalars", test_scalars);
  CU_add_test(s, "integer range", test_int_range);
  CU_add_test(s, "truncated input", test_truncated);
  CU_add_test(s, "indefinite lengths rejected", test_indefinite);
  CU_add_test(s, "malformed input rejected", test_malformed);
  CU_add_test(s, "non-shortest heads rejected", test_not_shortest);
  CU_add_test(s, "nesting depth limit", test_depth);
  CU_add_test(s, "duplicate map keys", test_duplicate_keys);
  CU_add_test(s, "huge counts and oversize input", test_huge_counts);
  CU_add_test(s, "wrong types and sticky error", test_wrong_types);
  CU_add_test(s, "exit skips unread items", test_exit_skips_rest);
  CU_add_test(s, "COSE and CWT tags", test_tags);
  CU_add_test(s, "raw item bytes", test_raw_bytes);
  CU_add_test(s, "map lookup", test_map_find);
  CU_add_test(s, "CBOR sequence", test_sequence);
  CU_add_test(s, "encoder basics", test_encoder_basic);
  CU_add_test(s, "encoder deterministic maps", test_encoder_deterministic);
  CU_add_test(s, "encoder nested maps", test_encoder_maps_nested);
  CU_add_test(s, "encoder large map", test_encoder_large_map);
  CU_add_test(s, "random input", test_random_input);
  return gkdc_test_run();
}
