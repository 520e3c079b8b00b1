/*
 * Tests of the credfmt-ccs plugin: the CCS examples of RFC 9529 and of the
 * Group OSCORE interop test data parse and re-encode byte for byte, and
 * hostile inputs are rejected with the right error.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <gkdc/credfmt.h>
#include <gkdc/crypto.h>

#include "test_pop_harness.h"

static struct harness_plugin ccs_plugin;
static const struct gkdc_credfmt_ops *ccs;

/* Ed25519 public key x of the first example and its private seed. */
#define ED_X "c6ec665e817bd064340e7c24bb93a11e8ec0735ce48790f9c458f7fa340b8ca3"
#define ED_D "d0a2ce11b2ba614b048903b72638ef4a3b0af56e1a60c6fb6706b0c1ad8a14fb"

/* CCS with an Ed25519 key, from the Group OSCORE plugtest Group Manager of
 * the RISE ACE Java implementation (48 bytes). */
#define CCS_ED25519 "a2026008a101a4010103272006215820" ED_X

/* CCS with a P-256 key, same source (kty 2, alg -7, crv 1). */
#define JAVA_P256_X "2236658ca675bb62d7b24623db0453a3b90533b7c3b221cc1c2c73c4e919d540"
#define JAVA_P256_Y "770916bc4c97c3c46604f430b06170c7b3d6062633756628c31180fa3bb65a1b"
#define JAVA_P256_D "4a7b844a4c97ef91ed232aa564c9d5d373f2099647f9e9bd3fe6417a0d0f91ad"
#define CCS_JAVA_P256                                                         \
  "a2026008a101a5010203262001215820" JAVA_P256_X "225820" JAVA_P256_Y

/* RFC 9529 section 3, CRED_R (95 bytes): sub "example.edu", kid h'32'. */
#define R_X "bbc34960526ea4d32e940cad2a234148ddc21791a12afbcbac93622046dd44f0"
#define R_Y "4519e257236b2a0ce2023f0931f1f386ca7afda64fcde0108c224c51eabf6072"
#define R_D "72cc4761dbd4c78f758931aa589d348d1ef874a7e303ede2f140dcf3e6aa4aac"
#define CCS_RFC9529                                                           \
  "a2026b6578616d706c652e65647508a101a501020241322001215820" R_X "225820" R_Y

/* An X25519 key (any 32 bytes are a valid X25519 public key). */
#define CCS_X25519 "a108a101a3010120042158202a" "0102030405060708090a0b0c0d0e0f10" \
  "1112131415161718191a1b1c1d1e1f"

static int suite_init(void)
{
  if (!harness_setup())
    return 1;
  if (!harness_load("plugins/credfmt-ccs/.libs/credfmt-ccs.so",
                    GKDC_PLUGIN_CREDFMT, &ccs_plugin))
    return 1;
  ccs = ccs_plugin.desc->ops;
  return 0;
}

static int suite_clean(void)
{
  harness_unload(&ccs_plugin);
  harness_teardown();
  return 0;
}

/* Parses `hex` with `flags`; returns the handle or NULL and the error. */
static gkdc_cred *parse_hex(const char *hex, uint32_t flags, int *err)
{
  uint8_t buf[GKDC_CRED_MAX_LEN + 16];
  size_t len = harness_hex(hex, buf, sizeof(buf));
  gkdc_cred *cred = NULL;

  *err = -1;
  if (!ccs->parse(ccs_plugin.state, buf, len, flags, &cred, err))
    return NULL;
  return cred;
}

/* Checks that `cred` re-encodes to exactly the bytes of `hex`. */
static void check_reencode(gkdc_cred *cred, const char *hex)
{
  uint8_t want[256];
  uint8_t got[256];
  size_t want_len = harness_hex(hex, want, sizeof(want));
  size_t got_len = sizeof(got);
  int err = 0;

  CU_ASSERT_FATAL(ccs->encode(ccs_plugin.state, cred, got, &got_len, &err) == 1);
  CU_ASSERT_EQUAL(got_len, want_len);
  CU_ASSERT(memcmp(got, want, want_len) == 0);
}

/* Checks that the private key `d_hex` on `curve` derives the public key
 * the credential carries. */
static void check_key_pair(const struct gkdc_cred_info *info, int32_t curve,
                           const char *d_hex)
{
  uint8_t d[32];
  uint8_t pub[GKDC_MAX_PUB_LEN];
  size_t pub_len = sizeof(pub);

  harness_hex(d_hex, d, sizeof(d));
  CU_ASSERT_FATAL(gkdc_crypto_public_from_private(&harness_crypto, curve, d,
                                                  sizeof(d), pub, &pub_len) == 1);
  CU_ASSERT_EQUAL(pub_len, info->pub.len);
  CU_ASSERT(memcmp(pub, info->pub.ptr, pub_len) == 0);
}

static void test_table_keys(void)
{
  CU_ASSERT_EQUAL(ccs->cose_header_label, GKDC_COSE_HDR_KCCS);
  CU_ASSERT_EQUAL(ccs->cose_header_label, 14);
  CU_ASSERT_STRING_EQUAL(ccs->name, "ccs");
  CU_ASSERT(ccs->size >= sizeof(struct gkdc_credfmt_ops));
  CU_ASSERT(ccs->validate == NULL);
}

static void test_ed25519_example(void)
{
  uint8_t x[32];
  int err;
  gkdc_cred *cred = parse_hex(CCS_ED25519, 0, &err);
  const struct gkdc_cred_info *info;

  CU_ASSERT_PTR_NOT_NULL_FATAL(cred);
  info = ccs->info_get0(ccs_plugin.state, cred);
  CU_ASSERT_PTR_NOT_NULL_FATAL(info);
  CU_ASSERT_EQUAL(info->cred_fmt, GKDC_COSE_HDR_KCCS);
  CU_ASSERT_EQUAL(info->kty, GKDC_COSE_KTY_OKP);
  CU_ASSERT_EQUAL(info->curve, GKDC_COSE_CRV_ED25519);
  CU_ASSERT_EQUAL(info->alg, GKDC_COSE_ALG_EDDSA);
  CU_ASSERT_EQUAL(info->alg_stated, 1);
  harness_hex(ED_X, x, sizeof(x));
  CU_ASSERT_EQUAL(info->pub.len, 32);
  CU_ASSERT(memcmp(info->pub.ptr, x, 32) == 0);
  CU_ASSERT_EQUAL(info->has_subject, 1);
  CU_ASSERT_EQUAL(info->subject.len, 0);
  CU_ASSERT_EQUAL(info->has_kid, 0);
  CU_ASSERT_EQUAL(info->encoded.len, 48);
  CU_ASSERT_EQUAL(info->end_entity.len, 48);
  check_reencode(cred, CCS_ED25519);
  check_key_pair(info, GKDC_COSE_CRV_ED25519, ED_D);
  ccs->free(ccs_plugin.state, cred);
}

static void test_p256_java_example(void)
{
  uint8_t x[32];
  uint8_t y[32];
  int err;
  gkdc_cred *cred = parse_hex(CCS_JAVA_P256, 0, &err);
  const struct gkdc_cred_info *info;

  CU_ASSERT_PTR_NOT_NULL_FATAL(cred);
  info = ccs->info_get0(ccs_plugin.state, cred);
  CU_ASSERT_EQUAL(info->kty, GKDC_COSE_KTY_EC2);
  CU_ASSERT_EQUAL(info->curve, GKDC_COSE_CRV_P256);
  CU_ASSERT_EQUAL(info->alg, GKDC_COSE_ALG_ES256);
  CU_ASSERT_EQUAL(info->alg_stated, 1);
  CU_ASSERT_EQUAL_FATAL(info->pub.len, 65);
  harness_hex(JAVA_P256_X, x, sizeof(x));
  harness_hex(JAVA_P256_Y, y, sizeof(y));
  CU_ASSERT_EQUAL(info->pub.ptr[0], 0x04);
  CU_ASSERT(memcmp(info->pub.ptr + 1, x, 32) == 0);
  CU_ASSERT(memcmp(info->pub.ptr + 33, y, 32) == 0);
  check_reencode(cred, CCS_JAVA_P256);
  check_key_pair(info, GKDC_COSE_CRV_P256, JAVA_P256_D);
  ccs->free(ccs_plugin.state, cred);
}

static void test_rfc9529_example(void)
{
  int err;
  gkdc_cred *cred = parse_hex(CCS_RFC9529, 0, &err);
  const struct gkdc_cred_info *info;

  CU_ASSERT_PTR_NOT_NULL_FATAL(cred);
  info = ccs->info_get0(ccs_plugin.state, cred);
  CU_ASSERT_EQUAL(info->encoded.len, 95);
  CU_ASSERT_EQUAL(info->kty, GKDC_COSE_KTY_EC2);
  CU_ASSERT_EQUAL(info->curve, GKDC_COSE_CRV_P256);
  CU_ASSERT_EQUAL(info->alg, GKDC_COSE_ALG_ES256);
  CU_ASSERT_EQUAL(info->alg_stated, 0);
  CU_ASSERT_EQUAL(info->has_subject, 1);
  CU_ASSERT_EQUAL(info->subject.len, 11);
  CU_ASSERT(memcmp(info->subject.ptr, "example.edu", 11) == 0);
  CU_ASSERT_EQUAL(info->has_kid, 1);
  CU_ASSERT_EQUAL(info->kid.len, 1);
  CU_ASSERT_EQUAL(info->kid.ptr[0], 0x32);
  check_reencode(cred, CCS_RFC9529);
  check_key_pair(info, GKDC_COSE_CRV_P256, R_D);
  ccs->free(ccs_plugin.state, cred);
}

static void test_x25519_key(void)
{
  int err;
  gkdc_cred *cred = parse_hex(CCS_X25519, 0, &err);
  const struct gkdc_cred_info *info;

  CU_ASSERT_PTR_NOT_NULL_FATAL(cred);
  info = ccs->info_get0(ccs_plugin.state, cred);
  CU_ASSERT_EQUAL(info->curve, GKDC_COSE_CRV_X25519);
  CU_ASSERT_EQUAL(info->alg, 0);
  CU_ASSERT_EQUAL(info->has_subject, 0);
  CU_ASSERT_EQUAL(info->pub.len, 32);
  ccs->free(ccs_plugin.state, cred);
}

static void test_p256_compressed(void)
{
  /* CRED_R of RFC 9529 with y given as its sign bit: y ends in 0x72, even,
   * so false and prefix 02. The same x with true is the other point. */
  static const char *const forms[2] = {
    "a108a101a401022001215820" R_X "22f4",
    "a108a101a401022001215820" R_X "22f5",
  };
  uint8_t x[32];
  int i;

  harness_hex(R_X, x, sizeof(x));
  for (i = 0; i < 2; i++) {
    int err;
    gkdc_cred *cred = parse_hex(forms[i], 0, &err);
    const struct gkdc_cred_info *info;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cred);
    info = ccs->info_get0(ccs_plugin.state, cred);
    CU_ASSERT_EQUAL(info->curve, GKDC_COSE_CRV_P256);
    CU_ASSERT_EQUAL_FATAL(info->pub.len, 33);
    CU_ASSERT_EQUAL(info->pub.ptr[0], i == 0 ? 0x02 : 0x03);
    CU_ASSERT(memcmp(info->pub.ptr + 1, x, 32) == 0);
    check_reencode(cred, forms[i]);
    ccs->free(ccs_plugin.state, cred);
  }
}

static void test_encode_small_buffer(void)
{
  int err;
  gkdc_cred *cred = parse_hex(CCS_ED25519, 0, &err);
  uint8_t out[47];
  size_t out_len = sizeof(out);

  CU_ASSERT_PTR_NOT_NULL_FATAL(cred);
  memset(out, 0xaa, sizeof(out));
  err = 0;
  CU_ASSERT_EQUAL(ccs->encode(ccs_plugin.state, cred, out, &out_len, &err), 0);
  CU_ASSERT_EQUAL(err, GKDC_CRED_ERR_BUFFER);
  CU_ASSERT_EQUAL(out[0], 0xaa);
  CU_ASSERT_EQUAL(out_len, sizeof(out));
  ccs->free(ccs_plugin.state, cred);
}

static void test_match_modes(void)
{
  int err;
  /* The same key without the `sub` claim: other bytes, same key. */
  gkdc_cred *a = parse_hex(CCS_ED25519, 0, &err);
  gkdc_cred *b = parse_hex("a108a101a4010103272006215820" ED_X, 0, &err);
  gkdc_cred *c = parse_hex(CCS_ED25519, 0, &err);
  gkdc_cred *p = parse_hex(CCS_RFC9529, 0, &err);

  CU_ASSERT_FATAL(a != NULL && b != NULL && c != NULL && p != NULL);
  CU_ASSERT_EQUAL(ccs->match(ccs_plugin.state, a, c, GKDC_CRED_MATCH_BYTES), 1);
  CU_ASSERT_EQUAL(ccs->match(ccs_plugin.state, a, b, GKDC_CRED_MATCH_BYTES), 0);
  CU_ASSERT_EQUAL(ccs->match(ccs_plugin.state, a, b, GKDC_CRED_MATCH_KEY), 1);
  CU_ASSERT_EQUAL(ccs->match(ccs_plugin.state, a, p, GKDC_CRED_MATCH_KEY), 0);
  CU_ASSERT_EQUAL(ccs->match(ccs_plugin.state, a, NULL, GKDC_CRED_MATCH_KEY), 0);
  CU_ASSERT_EQUAL(ccs->match(ccs_plugin.state, a, c, 99), 0);
  ccs->free(ccs_plugin.state, a);
  ccs->free(ccs_plugin.state, b);
  ccs->free(ccs_plugin.state, c);
  ccs->free(ccs_plugin.state, p);
  ccs->free(ccs_plugin.state, NULL);
}

static void test_tagged_input(void)
{
  /* Tag 601 (requested for UCCS) around the Ed25519 example. */
  const char *tagged = "d90259" CCS_ED25519;
  int err;
  gkdc_cred *cred = parse_hex(tagged, 0, &err);
  const struct gkdc_cred_info *info;

  CU_ASSERT_PTR_NULL(cred);
  CU_ASSERT_EQUAL(err, GKDC_CRED_ERR_MALFORMED);

  cred = parse_hex(tagged, GKDC_CRED_PARSE_ALLOW_TAGGED, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(cred);
  info = ccs->info_get0(ccs_plugin.state, cred);
  CU_ASSERT_EQUAL(info->encoded.len, 51);
  CU_ASSERT_EQUAL(info->end_entity.len, 48);
  CU_ASSERT_EQUAL(info->end_entity.ptr[0], 0xa2);
  check_reencode(cred, tagged);
  ccs->free(ccs_plugin.state, cred);
}

static void test_too_large(void)
{
  static uint8_t big[GKDC_CRED_MAX_LEN + 1];
  gkdc_cred *cred = NULL;
  int err = -1;

  memset(big, 0, sizeof(big));
  CU_ASSERT_EQUAL(ccs->parse(ccs_plugin.state, big, sizeof(big), 0, &cred, &err), 0);
  CU_ASSERT_EQUAL(err, GKDC_CRED_ERR_TOO_LARGE);
  CU_ASSERT_PTR_NULL(cred);

  err = -1;
  CU_ASSERT_EQUAL(ccs->parse(ccs_plugin.state, big, 0, 0, &cred, &err), 0);
  CU_ASSERT_EQUAL(err, GKDC_CRED_ERR_MALFORMED);
}

/* COSE_Key bodies used by the hostile cases. */
#define OKP_HEAD "a108a101"
#define EC2_X "215820" R_X
#define EC2_Y "225820" R_Y

struct hostile_case {
  const char *name;
  const char *hex;
  int err;
};

static const struct hostile_case hostile[] = {
  { "truncated", "a2026008a101a4010103272006215820" "c6ec665e817bd064340e7c24bb93a11e8ec0735ce48790f9c458f7fa340b8c",
    GKDC_CRED_ERR_MALFORMED },
  { "trailing byte", CCS_ED25519 "00", GKDC_CRED_ERR_MALFORMED },
  { "top level array", "80", GKDC_CRED_ERR_MALFORMED },
  { "top level integer", "01", GKDC_CRED_ERR_MALFORMED },
  { "no cnf", "a10260", GKDC_CRED_ERR_NO_KEY },
  { "cnf without COSE_Key", "a108a1034101", GKDC_CRED_ERR_NO_KEY },
  { "cnf not a map", "a10801", GKDC_CRED_ERR_MALFORMED },
  { "COSE_Key not a map", "a108a10101", GKDC_CRED_ERR_MALFORMED },
  { "kty RSA", OKP_HEAD "a201032041 00", GKDC_CRED_ERR_UNSUPPORTED_KEY },
  { "kty symmetric", OKP_HEAD "a2010420 4100", GKDC_CRED_ERR_UNSUPPORTED_KEY },
  { "kty as text", OKP_HEAD "a301634f4b502006215820" ED_X, GKDC_CRED_ERR_UNSUPPORTED_KEY },
  { "kty missing", OKP_HEAD "a22006215820" ED_X, GKDC_CRED_ERR_MALFORMED },
  { "kty bytes", OKP_HEAD "a301410120 06215820" ED_X, GKDC_CRED_ERR_MALFORMED },
  { "crv Ed448", OKP_HEAD "a3010120 07215820" ED_X, GKDC_CRED_ERR_UNSUPPORTED_KEY },
  { "crv missing", OKP_HEAD "a20101215820" ED_X, GKDC_CRED_ERR_MALFORMED },
  { "x 31 bytes", OKP_HEAD "a30101200621581f" "c6ec665e817bd064340e7c24bb93a11e8ec0735ce48790f9c458f7fa340b8c",
    GKDC_CRED_ERR_INVALID_KEY },
  { "x 33 bytes", OKP_HEAD "a301012006215821" ED_X "00", GKDC_CRED_ERR_INVALID_KEY },
  { "x missing", OKP_HEAD "a201012006", GKDC_CRED_ERR_NO_KEY },
  { "x as text", OKP_HEAD "a30101200621 6161", GKDC_CRED_ERR_MALFORMED },
  { "private key d", OKP_HEAD "a401012006215820" ED_X "235820" ED_D, GKDC_CRED_ERR_MALFORMED },
  { "OKP with y", OKP_HEAD "a401012006215820" ED_X "225820" ED_X, GKDC_CRED_ERR_MALFORMED },
  { "Ed25519 y not canonical", OKP_HEAD "a301012006215820"
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    GKDC_CRED_ERR_INVALID_KEY },
  { "Ed25519 y without x", OKP_HEAD "a301012006215820"
    "0200000000000000000000000000000000000000000000000000000000000000",
    GKDC_CRED_ERR_INVALID_KEY },
  { "Ed25519 identity", OKP_HEAD "a301012006215820"
    "0100000000000000000000000000000000000000000000000000000000000000",
    GKDC_CRED_ERR_INVALID_KEY },
  { "Ed25519 with ES256", OKP_HEAD "a40101032620 06215820" ED_X, GKDC_CRED_ERR_INVALID_KEY },
  { "unknown alg", OKP_HEAD "a40101030320 06215820" ED_X, GKDC_CRED_ERR_UNSUPPORTED_KEY },
  { "alg as text", OKP_HEAD "a40101036545644453412006215820" ED_X, GKDC_CRED_ERR_UNSUPPORTED_KEY },
  { "kid not bytes", OKP_HEAD "a40101020120 06215820" ED_X, GKDC_CRED_ERR_MALFORMED },
  { "key_ops not array", OKP_HEAD "a40101040220 06215820" ED_X, GKDC_CRED_ERR_MALFORMED },
  { "EC2 y missing", OKP_HEAD "a30102200121 5820" R_X, GKDC_CRED_ERR_NO_KEY },
  { "EC2 compressed x off curve", OKP_HEAD "a4010220 01215820"
    "0000000000000000000000000000000000000000000000000000000000000001" "22f5",
    GKDC_CRED_ERR_INVALID_KEY },
  { "EC2 y null", OKP_HEAD "a4010220 01" EC2_X "22f6", GKDC_CRED_ERR_MALFORMED },
  { "EC2 point off curve", OKP_HEAD "a4010220 01" EC2_X "225820"
    "4519e257236b2a0ce2023f0931f1f386ca7afda64fcde0108c224c51eabf6073",
    GKDC_CRED_ERR_INVALID_KEY },
  { "EC2 on Ed25519", OKP_HEAD "a4010220 06" EC2_X EC2_Y, GKDC_CRED_ERR_UNSUPPORTED_KEY },
  { "EC2 P-384", OKP_HEAD "a4010220 02" EC2_X EC2_Y, GKDC_CRED_ERR_UNSUPPORTED_KEY },
  { "EC2 y 31 bytes", OKP_HEAD "a4010220 01" EC2_X "22581f"
    "4519e257236b2a0ce2023f0931f1f386ca7afda64fcde0108c224c51eabf60",
    GKDC_CRED_ERR_INVALID_KEY },
  { "sub as bytes", "a2024008a101a4010103272006215820" ED_X, GKDC_CRED_ERR_MALFORMED },
  { "duplicate claim", "a302600260 08a101a4010103272006215820" ED_X, GKDC_CRED_ERR_MALFORMED },
  { "indefinite map", "bf026008a101a4010103272006215820" ED_X "ff", GKDC_CRED_ERR_MALFORMED },
  { "non-shortest head", "a2180260 08a101a4010103272006215820" ED_X, GKDC_CRED_ERR_MALFORMED },
  { "huge array count", "a2039affffffff08a101a4010103272006215820" ED_X, GKDC_CRED_ERR_MALFORMED },
  { "deep nesting", "a20a8181818181818181818100 08a101a4010103272006215820" ED_X,
    GKDC_CRED_ERR_MALFORMED },
  { "invalid UTF-8 sub", "a20261ff08a101a4010103272006215820" ED_X, GKDC_CRED_ERR_MALFORMED },
  { "tag without flag", "c1" CCS_ED25519, GKDC_CRED_ERR_MALFORMED },
};

static void test_hostile_inputs(void)
{
  size_t i;

  for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
    int err = -1;
    gkdc_cred *cred = parse_hex(hostile[i].hex, 0, &err);

    if (cred != NULL || err != hostile[i].err)
      fprintf(stderr, "\n  case \"%s\": got %s, error %d (expected %d)\n",
              hostile[i].name, cred != NULL ? "a credential" : "rejection",
              err, hostile[i].err);
    CU_ASSERT_PTR_NULL(cred);
    CU_ASSERT_EQUAL(err, hostile[i].err);
    ccs->free(ccs_plugin.state, cred);
  }
}

/*
 * Mutates single bytes of the valid examples: every result must either
 * parse into a consistent credential or be rejected, without crashing (the
 * sanitizer build checks memory safety).
 */
static void test_byte_mutations(void)
{
  static const char *const seeds[] = { CCS_ED25519, CCS_JAVA_P256, CCS_RFC9529 };
  size_t rounds = gkdc_test_scaled_rounds(4000);
  uint32_t rng = 12345;
  size_t i;
  size_t parsed = 0;

  for (i = 0; i < rounds; i++) {
    uint8_t buf[128];
    size_t len = harness_hex(seeds[i % 3], buf, sizeof(buf));
    gkdc_cred *cred = NULL;
    int err = -1;

    rng = rng * 1103515245u + 12345u;
    buf[(rng >> 8) % len] ^= (uint8_t)(1u << ((rng >> 4) % 8));
    if (ccs->parse(ccs_plugin.state, buf, len, 0, &cred, &err)) {
      const struct gkdc_cred_info *info = ccs->info_get0(ccs_plugin.state, cred);

      CU_ASSERT(info->encoded.len == len);
      CU_ASSERT(info->pub.len == 32 || info->pub.len == 33 || info->pub.len == 65);
      parsed++;
      ccs->free(ccs_plugin.state, cred);
    } else {
      CU_ASSERT(err > GKDC_CRED_OK && err <= GKDC_CRED_ERR_INTERNAL);
      CU_ASSERT_PTR_NULL(cred);
    }
  }
  CU_ASSERT(parsed < rounds);
}

int main(void)
{
  CU_pSuite suite;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("credfmt-ccs", suite_init, suite_clean);
  if (suite == NULL)
    return 1;
  CU_add_test(suite, "table keys", test_table_keys);
  CU_add_test(suite, "Ed25519 example", test_ed25519_example);
  CU_add_test(suite, "P-256 Java example", test_p256_java_example);
  CU_add_test(suite, "RFC 9529 CRED_R", test_rfc9529_example);
  CU_add_test(suite, "X25519 key", test_x25519_key);
  CU_add_test(suite, "P-256 compressed", test_p256_compressed);
  CU_add_test(suite, "encode small buffer", test_encode_small_buffer);
  CU_add_test(suite, "match modes", test_match_modes);
  CU_add_test(suite, "tagged input", test_tagged_input);
  CU_add_test(suite, "too large input", test_too_large);
  CU_add_test(suite, "hostile inputs", test_hostile_inputs);
  CU_add_test(suite, "byte mutations", test_byte_mutations);
  return harness_run();
}
