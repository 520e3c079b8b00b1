/*
 * Tests of the Group OSCORE context derivation (host/groupctx*.c).
 *
 * Expected keys were computed independently with a throwaway Python
 * script. It used hmac and hashlib for HKDF-SHA-256, a hand-written CBOR
 * encoder for the info arrays and the RFC 7748 birational map for Ed25519
 * to X25519. The cryptography package served only X25519 and P-256 ECDH
 * and the Ed25519 public key. The Signature Encryption Key of the Java test group
 * (887b38ce...) is also the value known for the Java ACE test group
 * "feedca570000".
 *
 * Material: the Java test group: Master Secret 0102..10, Master Salt
 * 9e7ca92223786340, Gid feedca57f05c, HKDF SHA-256, AES-CCM-16-64-128 as
 * both Group Encryption and AEAD Algorithm, EdDSA, ECDH-SS + HKDF-256 on
 * X25519, CCS credentials.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <gkdc/alg.h>
#include <gkdc/appprofile.h>
#include <gkdc/cbor.h>
#include <gkdc/groupctx.h>

#include "gkdc-test.h"
#include "oscore_crypto_fixture.h"
#include "unit/test_cbor_util.h"

static const struct gkdc_crypto *cx;

/* The `key` object the Java test Group Manager sends to Sender ID 25. */
static const char *JAVA_KEY =
    "ac074125030505489e7ca9222378634002500102030405060708090a0b0c0d0e0f100646"
    "feedca57f05c080e090a0a270b828101820106040a0c381a0d828101820104";

/* Joining client: Ed25519 seed and its CCS. */
static const char *OWN_SEED = "64714d41a240b61d8d823502717ab088c9f4af6fc9844553e4ad4c42cc735239";
static const char *OWN_CCS =
    "a2026008a101a4010103272006215820069e912b83963acc5941b63546867dec106e5b90"
    "51f2ee14f3bc5cc961acd43a";

/* A second node (the CYPRESS demo's Client2): Ed25519 seed and CCS. */
static const char *NODE2_SEED = "7d428b2549e7997e8d8833a17bda1e09b65c9fdc0f69287f376d7dce882e1c3f";
static const char *NODE2_CCS =
    "a20267436c69656e743208a101a4010103272006215820c80240e84f3cb886d841da6f71"
    "140f8578e7e27808672df08521830ae1300f54";

/* Pre-provisioned members 52 and 77 (public keys only). */
static const char *CCS_52 =
    "a2026008a101a401010327200621582077ec358c1d344e41ee0e87b8383d23a2099acd39"
    "bdf989ce45b52e887463389b";
static const char *CCS_77 =
    "a2026008a101a4010103272006215820105b8c6a8c88019bf0c354592934130baa800739"
    "9cc2ac3be845884613d5ba2e";

/* Owned test buffers, set up by each test. */
struct blob {
  uint8_t b[256];
  size_t len;
};

static void blob_hex(struct blob *x, const char *hex)
{
  x->len = unhex(hex, x->b, sizeof(x->b));
}

static struct gkdc_bytes B(const struct blob *x)
{
  struct gkdc_bytes v;

  v.ptr = x->b;
  v.len = x->len;
  return v;
}

static struct gkdc_bytes S(const uint8_t *p, size_t len)
{
  struct gkdc_bytes v;

  v.ptr = p;
  v.len = len;
  return v;
}

/* Asserts that `got` contains exactly the bytes of `hex`. */
#define ASSERT_HEX(got, hex)                                          \
  do {                                                                \
    struct blob exp_;                                                 \
    struct gkdc_bytes got_ = (got);                                   \
    blob_hex(&exp_, (hex));                                           \
    CU_ASSERT_EQUAL_FATAL(got_.len, exp_.len);                        \
    CU_ASSERT(memcmp(got_.ptr, exp_.b, exp_.len) == 0);               \
  } while (0)

#define ASSERT_SAME(a, b)                                             \
  do {                                                                \
    struct gkdc_bytes a_ = (a), b_ = (b);                             \
    CU_ASSERT_EQUAL_FATAL(a_.len, b_.len);                            \
    CU_ASSERT(a_.len > 0 && memcmp(a_.ptr, b_.ptr, a_.len) == 0);     \
  } while (0)

/* A member built from a CCS whose last 32 bytes are the Ed25519 key. */
static struct gkdc_groupctx_peer ccs_peer(const struct blob *ccs, const char *sid_hex,
                                          struct blob *sid)
{
  struct gkdc_groupctx_peer p;

  blob_hex(sid, sid_hex);
  memset(&p, 0, sizeof(p));
  p.sender_id = B(sid);
  p.cred = B(ccs);
  p.curve = GKDC_COSE_CRV_ED25519;
  p.pub = S(ccs->b + ccs->len - 32, 32);
  return p;
}

/* Parses JAVA_KEY and builds the context of Sender ID 25 with members 52
 * and 77. */
static gkdc_groupctx *java_node(void)
{
  static struct blob key, seed, ccs, c52, c77, s52, s77;
  struct gkdc_groupctx_material m;
  struct gkdc_groupctx_own own;
  struct gkdc_groupctx_peer p;
  gkdc_groupctx *g = NULL;
  int err = -1;

  blob_hex(&key, JAVA_KEY);
  blob_hex(&seed, OWN_SEED);
  blob_hex(&ccs, OWN_CCS);
  blob_hex(&c52, CCS_52);
  blob_hex(&c77, CCS_77);

  CU_ASSERT_FATAL(gkdc_groupctx_material_parse(key.b, key.len, &m, &err));
  memset(&own, 0, sizeof(own));
  own.cred = B(&ccs);
  own.curve = GKDC_COSE_CRV_ED25519;
  own.priv = B(&seed);
  CU_ASSERT_FATAL(gkdc_groupctx_new(cx, &m, &own, S(NULL, 0), &g, &err));

  p = ccs_peer(&c52, "52", &s52);
  CU_ASSERT_FATAL(gkdc_groupctx_peer_add(g, &p, &err));
  p = ccs_peer(&c77, "77", &s77);
  CU_ASSERT_FATAL(gkdc_groupctx_peer_add(g, &p, &err));
  return g;
}

static void test_material_parse_java(void)
{
  struct blob key;
  struct gkdc_groupctx_material m;
  int err = -1;

  blob_hex(&key, JAVA_KEY);
  CU_ASSERT_FATAL(gkdc_groupctx_material_parse(key.b, key.len, &m, &err));
  ASSERT_HEX(m.ms, "0102030405060708090a0b0c0d0e0f10");
  ASSERT_HEX(m.salt, "9e7ca92223786340");
  ASSERT_HEX(m.gid, "feedca57f05c");
  ASSERT_HEX(m.sender_id, "25");
  CU_ASSERT_EQUAL(m.hkdf, 5);
  CU_ASSERT_EQUAL(m.alg, 10);
  CU_ASSERT_EQUAL(m.cred_fmt, 14);
  CU_ASSERT_EQUAL(m.gp_enc_alg, 10);
  CU_ASSERT_EQUAL(m.sign_alg, -8);
  CU_ASSERT_EQUAL(m.sign_kty, 1);
  CU_ASSERT_EQUAL(m.sign_curve, 6);
  CU_ASSERT_EQUAL(m.ecdh_alg, -27);
  CU_ASSERT_EQUAL(m.ecdh_kty, 1);
  CU_ASSERT_EQUAL(m.ecdh_curve, 4);
  CU_ASSERT(m.present & GKDC_GROUPCTX_HAS(GKDC_OSC_KEY_GROUP_SENDERID));
}

static void test_derive_java_group(void)
{
  gkdc_groupctx *g = java_node();
  struct gkdc_groupctx_info info;
  struct gkdc_groupctx_recipient r;
  struct blob sid;

  gkdc_groupctx_info_get(g, &info);
  CU_ASSERT(info.group_mode);
  CU_ASSERT(info.pairwise_mode);
  CU_ASSERT_EQUAL(info.max_sid_len, 7);
  ASSERT_HEX(info.sender_key, "38f903df8410ffca58c8aabf323515a7");
  ASSERT_HEX(info.common_iv, "3fa9151fe4e3303d72c6a4e0f5");
  ASSERT_HEX(info.sign_enc_key, "887b38ceb321bf990566573222387dc2");

  blob_hex(&sid, "52");
  CU_ASSERT_FATAL(gkdc_groupctx_peer_find(g, B(&sid), &r));
  ASSERT_HEX(r.recipient_key, "1bc702848de5c3b065a3e241e3f04767");
  CU_ASSERT_FATAL(r.has_pairwise);
  ASSERT_HEX(r.pairwise_sender_key, "82396c969403fcdf7c67c8b93a1af7ab");
  ASSERT_HEX(r.pairwise_recipient_key, "94da26d394b514ed77a413fc8f6c547c");

  blob_hex(&sid, "77");
  CU_ASSERT_FATAL(gkdc_groupctx_peer_find(g, B(&sid), &r));
  ASSERT_HEX(r.recipient_key, "d29789c3cf9b44bdcf94a6329b62c4aa");
  gkdc_groupctx_free(g);
}

/* The ecdh_params curve that key_build() writes: X25519, or P-256. */
static int32_t key_build_ecdh_curve = GKDC_COSE_CRV_X25519;

/* Encodes a `key` object for the Java group with the given algorithms and
 * Sender ID (NULL: none). */
static void key_build(struct blob *out, int32_t alg, int32_t gp_enc_alg, int32_t ecdh_alg,
                      int32_t hkdf, const char *sid_hex)
{
  struct gkdc_cbor_enc e;
  struct blob ms, salt, gid, sid;
  size_t mark;
  size_t pairs = 4;
  int32_t kty;

  blob_hex(&ms, "0102030405060708090a0b0c0d0e0f10");
  blob_hex(&salt, "9e7ca92223786340");
  blob_hex(&gid, "feedca57f05c");
  gkdc_cbor_enc_init(&e, out->b, sizeof(out->b));
  mark = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_int(&e, GKDC_OSC_KEY_MS);
  gkdc_cbor_enc_put_bstr(&e, ms.b, ms.len);
  gkdc_cbor_enc_put_int(&e, GKDC_OSC_KEY_SALT);
  gkdc_cbor_enc_put_bstr(&e, salt.b, salt.len);
  gkdc_cbor_enc_put_int(&e, GKDC_OSC_KEY_CONTEXT_ID);
  gkdc_cbor_enc_put_bstr(&e, gid.b, gid.len);
  gkdc_cbor_enc_put_int(&e, GKDC_OSC_KEY_CRED_FMT);
  gkdc_cbor_enc_put_int(&e, 14);
  if (hkdf != 0) {
    gkdc_cbor_enc_put_int(&e, GKDC_OSC_KEY_HKDF);
    gkdc_cbor_enc_put_int(&e, hkdf);
    pairs++;
  }
  if (alg != 0) {
    gkdc_cbor_enc_put_int(&e, GKDC_OSC_KEY_ALG);
    gkdc_cbor_enc_put_int(&e, alg);
    pairs++;
  }
  if (gp_enc_alg != 0) {
    gkdc_cbor_enc_put_int(&e, GKDC_OSC_KEY_GP_ENC_ALG);
    gkdc_cbor_enc_put_int(&e, gp_enc_alg);
    gkdc_cbor_enc_put_int(&e, GKDC_OSC_KEY_SIGN_ALG);
    gkdc_cbor_enc_put_int(&e, -8);
    pairs += 2;
  }
  if (ecdh_alg != 0) {
    gkdc_cbor_enc_put_int(&e, GKDC_OSC_KEY_ECDH_ALG);
    gkdc_cbor_enc_put_int(&e, ecdh_alg);
    gkdc_cbor_enc_put_int(&e, GKDC_OSC_KEY_ECDH_PARAMS);
    kty = key_build_ecdh_curve == GKDC_COSE_CRV_P256 ? GKDC_COSE_KTY_EC2 : GKDC_COSE_KTY_OKP;
    gkdc_cbor_enc_put_array(&e, 2);
    gkdc_cbor_enc_put_array(&e, 1);
    gkdc_cbor_enc_put_int(&e, kty);
    gkdc_cbor_enc_put_array(&e, 2);
    gkdc_cbor_enc_put_int(&e, kty);
    gkdc_cbor_enc_put_int(&e, key_build_ecdh_curve);
    pairs += 2;
  }
  if (sid_hex != NULL) {
    blob_hex(&sid, sid_hex);
    gkdc_cbor_enc_put_int(&e, GKDC_OSC_KEY_GROUP_SENDERID);
    gkdc_cbor_enc_put_bstr(&e, sid.b, sid.len);
    pairs++;
  }
  gkdc_cbor_enc_map_end(&e, mark, pairs);
  CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &out->len) == GKDC_CBOR_OK);
}

static gkdc_groupctx *ctx_from_key(const struct blob *key, int *err)
{
  struct gkdc_groupctx_material m;
  gkdc_groupctx *g = NULL;

  if (!gkdc_groupctx_material_parse(key->b, key->len, &m, err))
    return NULL;
  gkdc_groupctx_new(cx, &m, NULL, S(NULL, 0), &g, err);
  return g;
}

static void test_pairwise_only_gcm(void)
{
  struct blob key;
  struct gkdc_groupctx_info info;
  gkdc_groupctx *g;
  int err = -1;

  key_build(&key, GKDC_COSE_ALG_A128GCM, 0, -27, 0, "25");
  g = ctx_from_key(&key, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(g);
  gkdc_groupctx_info_get(g, &info);
  CU_ASSERT(!info.group_mode);
  CU_ASSERT(info.pairwise_mode);
  CU_ASSERT_EQUAL(info.max_sid_len, 6);
  CU_ASSERT_EQUAL(info.sign_enc_key.len, 0);
  ASSERT_HEX(info.sender_key, "48beb8a4510cee218b1bbfb8731fe902");
  ASSERT_HEX(info.common_iv, "664a553e1744d382d5bd7090");
  gkdc_groupctx_free(g);
}

static void test_group_mode_ctr(void)
{
  struct blob key;
  struct gkdc_groupctx_info info;
  gkdc_groupctx *g;
  int err = -1;

  /* A128CTR as Group Encryption Algorithm, AES-CCM-16-64-128 for the
   * pairwise mode: the Common IV takes the longer nonce (13), Sender IDs
   * the shorter (12 - 6). */
  key_build(&key, GKDC_COSE_ALG_AES_CCM_16_64_128, GKDC_COSE_ALG_A128CTR, -27, 5, "25");
  g = ctx_from_key(&key, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(g);
  gkdc_groupctx_info_get(g, &info);
  CU_ASSERT(info.group_mode);
  CU_ASSERT_EQUAL(info.max_sid_len, 6);
  ASSERT_HEX(info.sender_key, "ab5dba76d84e58179081e6d8f4f1c660");
  ASSERT_HEX(info.common_iv, "47fd4a6fb32c739420695d5c2d");
  ASSERT_HEX(info.sign_enc_key, "9b626e18c3269cdf8ca51d93a7b0a4bd");
  gkdc_groupctx_free(g);
}

/* Builds a node from its own `key` object, as from its own Join Response,
 * with the other node and member 52 as peers. */
static gkdc_groupctx *sim_node(const char *sid_hex, const char *seed_hex, const char *ccs_hex,
                               const char *peer_sid, const char *peer_ccs)
{
  static struct blob keys[2], seeds[2], ccss[2], pccs[2], psid[2], c52, s52;
  static int n;
  int i = n++ % 2;
  struct gkdc_groupctx_material m;
  struct gkdc_groupctx_own own;
  struct gkdc_groupctx_peer p;
  gkdc_groupctx *g = NULL;
  int err = -1;

  key_build(&keys[i], 10, 10, -27, 5, sid_hex);
  blob_hex(&seeds[i], seed_hex);
  blob_hex(&ccss[i], ccs_hex);
  blob_hex(&pccs[i], peer_ccs);
  blob_hex(&c52, CCS_52);

  CU_ASSERT_FATAL(gkdc_groupctx_material_parse(keys[i].b, keys[i].len, &m, &err));
  memset(&own, 0, sizeof(own));
  own.cred = B(&ccss[i]);
  own.curve = GKDC_COSE_CRV_ED25519;
  own.priv = B(&seeds[i]);
  CU_ASSERT_FATAL(gkdc_groupctx_new(cx, &m, &own, S(NULL, 0), &g, &err));

  p = ccs_peer(&pccs[i], peer_sid, &psid[i]);
  CU_ASSERT_FATAL(gkdc_groupctx_peer_add(g, &p, &err));
  p = ccs_peer(&c52, "52", &s52);
  CU_ASSERT_FATAL(gkdc_groupctx_peer_add(g, &p, &err));
  return g;
}

/* P-256 key pairs of the Java ACE tests: the joining client's and its
 * replacement's (private scalar, CCS). */
static const char *P256_A_D = "3be0047599b42aa44b8f8a0fa88d4da11697b58d9fcc4e39443e9843bf230586";
static const char *P256_A_CCS =
    "a2026008a101a5010203262001215820e8f9a8d5850a533cda24b9fa8a1ee293f6a0e1e81e1e560a64ff134d"
    "65f7ecec225820164a6d5d4b97f56d1f60a12811d55de7a055ebac6164c9ef9302cbcbff1f0abe";
static const char *P256_B_D = "8b17ca790a93761b2e6febb6b7fe56d211b6623ca9dafd9f34fee0bfaaef9644";
static const char *P256_B_CCS =
    "a2026008a101a5010203262001215820d8692e6cc344a51bb8d62ab768c52f3d281317b789f4f123614806d0"
    "b051443d225820a9f0024604bb007c4a92210fef5ca81c779bc5303f8c1e65f2686b81d2244088";

/* A P-256 node with Sender ID `sid_hex` and the other P-256 node as peer.
 * The peer's public key is 04 || x || y taken from its CCS. */
static gkdc_groupctx *p256_node(const char *sid_hex, const char *d_hex, const char *ccs_hex,
                                const char *peer_sid_hex, const char *peer_ccs_hex)
{
  static struct blob key, d, ccs, pccs, psid;
  uint8_t pub[65];
  struct gkdc_groupctx_material m;
  struct gkdc_groupctx_own own;
  struct gkdc_groupctx_peer p;
  gkdc_groupctx *g = NULL;
  int err = -1;

  key_build_ecdh_curve = GKDC_COSE_CRV_P256;
  key_build(&key, 10, 10, -27, 5, sid_hex);
  key_build_ecdh_curve = GKDC_COSE_CRV_X25519;
  blob_hex(&d, d_hex);
  blob_hex(&ccs, ccs_hex);
  blob_hex(&pccs, peer_ccs_hex);
  blob_hex(&psid, peer_sid_hex);

  CU_ASSERT_FATAL(gkdc_groupctx_material_parse(key.b, key.len, &m, &err));
  CU_ASSERT_EQUAL(m.ecdh_curve, GKDC_COSE_CRV_P256);
  memset(&own, 0, sizeof(own));
  own.cred = B(&ccs);
  own.curve = GKDC_COSE_CRV_P256;
  own.priv = B(&d);
  CU_ASSERT_FATAL(gkdc_groupctx_new(cx, &m, &own, S(NULL, 0), &g, &err));

  pub[0] = 0x04;
  memcpy(pub + 1, pccs.b + pccs.len - 67, 32);
  memcpy(pub + 33, pccs.b + pccs.len - 32, 32);
  memset(&p, 0, sizeof(p));
  p.sender_id = B(&psid);
  p.cred = B(&pccs);
  p.curve = GKDC_COSE_CRV_P256;
  p.pub = S(pub, sizeof(pub));
  CU_ASSERT_FATAL(gkdc_groupctx_peer_add(g, &p, &err));
  return g;
}

static void test_pairwise_p256(void)
{
  gkdc_groupctx *a = p256_node("25", P256_A_D, P256_A_CCS, "3301", P256_B_CCS);
  gkdc_groupctx *b = p256_node("3301", P256_B_D, P256_B_CCS, "25", P256_A_CCS);
  struct gkdc_groupctx_recipient ra, rb;

  CU_ASSERT_FATAL(gkdc_groupctx_peer_get(a, 0, &ra));
  CU_ASSERT_FATAL(gkdc_groupctx_peer_get(b, 0, &rb));
  CU_ASSERT_FATAL(ra.has_pairwise && rb.has_pairwise);
  ASSERT_HEX(ra.pairwise_sender_key, "36490ed8391e27b3602db47ce4d61096");
  ASSERT_HEX(ra.pairwise_recipient_key, "968a76c65a948130e4d510ff9fc3710e");
  ASSERT_SAME(ra.pairwise_sender_key, rb.pairwise_recipient_key);
  ASSERT_SAME(ra.pairwise_recipient_key, rb.pairwise_sender_key);
  gkdc_groupctx_free(a);
  gkdc_groupctx_free(b);
}

static void test_two_nodes_match(void)
{
  gkdc_groupctx *a = sim_node("25", OWN_SEED, OWN_CCS, "3301", NODE2_CCS);
  gkdc_groupctx *b = sim_node("3301", NODE2_SEED, NODE2_CCS, "25", OWN_CCS);
  struct gkdc_groupctx_info ia, ib;
  struct gkdc_groupctx_recipient ra, rb, ra52, rb52;

  gkdc_groupctx_info_get(a, &ia);
  gkdc_groupctx_info_get(b, &ib);
  ASSERT_SAME(ia.common_iv, ib.common_iv);
  ASSERT_SAME(ia.sign_enc_key, ib.sign_enc_key);

  /* ra: node A's view of B; rb: node B's view of A. */
  CU_ASSERT_FATAL(gkdc_groupctx_peer_find(a, ib.sender_id, &ra));
  CU_ASSERT_FATAL(gkdc_groupctx_peer_find(b, ia.sender_id, &rb));
  ASSERT_SAME(ia.sender_key, rb.recipient_key);
  ASSERT_SAME(ib.sender_key, ra.recipient_key);
  CU_ASSERT_FATAL(ra.has_pairwise && rb.has_pairwise);
  ASSERT_SAME(ra.pairwise_sender_key, rb.pairwise_recipient_key);
  ASSERT_SAME(ra.pairwise_recipient_key, rb.pairwise_sender_key);
  CU_ASSERT(memcmp(ra.pairwise_sender_key.ptr, ra.pairwise_recipient_key.ptr,
                   ra.pairwise_sender_key.len) != 0);

  /* Both derive the same Recipient Key for a third member, and different
   * pairwise keys towards it. */
  CU_ASSERT_FATAL(gkdc_groupctx_peer_get(a, 1, &ra52));
  CU_ASSERT_FATAL(gkdc_groupctx_peer_get(b, 1, &rb52));
  ASSERT_SAME(ra52.recipient_key, rb52.recipient_key);
  CU_ASSERT(memcmp(ra52.pairwise_recipient_key.ptr, rb52.pairwise_recipient_key.ptr,
                   ra52.pairwise_recipient_key.len) != 0);

  gkdc_groupctx_free(a);
  gkdc_groupctx_free(b);
}

/* A copy of `src` in caller storage, for comparing before and after. */
static void keep(struct blob *dst, struct gkdc_bytes src)
{
  memcpy(dst->b, src.ptr, src.len);
  dst->len = src.len;
}

static void test_rekey_keeps_sender_id(void)
{
  gkdc_groupctx *g = java_node();
  struct gkdc_groupctx_material m;
  struct gkdc_groupctx_info info;
  struct gkdc_groupctx_recipient r;
  struct blob key, old_sk, old_pw, sid;
  uint8_t rekey_msg[] = {0xa2, 0x02, 0x41, 0x99, 0x06, 0x43, 0xfe, 0xed, 0x01};
  int err = -1;

  gkdc_groupctx_info_get(g, &info);
  keep(&old_sk, info.sender_key);
  blob_hex(&sid, "52");
  CU_ASSERT_FATAL(gkdc_groupctx_peer_find(g, B(&sid), &r));
  keep(&old_pw, r.pairwise_sender_key);

  /* A rekeying message: {ms: h'99', contextId: h'feed01'}. */
  CU_ASSERT_FATAL(gkdc_groupctx_material_parse(rekey_msg, sizeof(rekey_msg), &m, &err));
  CU_ASSERT_FATAL(gkdc_groupctx_rekey(g, &m, &err));
  gkdc_groupctx_info_get(g, &info);
  ASSERT_HEX(info.gid, "feed01");
  ASSERT_HEX(info.sender_id, "25");
  CU_ASSERT_EQUAL(info.salt.len, 0);
  CU_ASSERT_EQUAL(info.alg, 10);
  CU_ASSERT(memcmp(info.sender_key.ptr, old_sk.b, old_sk.len) != 0);
  CU_ASSERT_EQUAL(gkdc_groupctx_peer_count(g), 2);
  CU_ASSERT_FATAL(gkdc_groupctx_peer_find(g, B(&sid), &r));
  CU_ASSERT_FATAL(r.has_pairwise);
  CU_ASSERT(memcmp(r.pairwise_sender_key.ptr, old_pw.b, old_pw.len) != 0);

  /* Applying the original material again restores the original keys. */
  blob_hex(&key, JAVA_KEY);
  CU_ASSERT_FATAL(gkdc_groupctx_material_parse(key.b, key.len, &m, &err));
  m.present &= ~GKDC_GROUPCTX_HAS(GKDC_OSC_KEY_GROUP_SENDERID);
  CU_ASSERT_FATAL(gkdc_groupctx_rekey(g, &m, &err));
  gkdc_groupctx_info_get(g, &info);
  ASSERT_HEX(info.sender_key, "38f903df8410ffca58c8aabf323515a7");
  CU_ASSERT_FATAL(gkdc_groupctx_peer_find(g, B(&sid), &r));
  ASSERT_HEX(r.pairwise_sender_key, "82396c969403fcdf7c67c8b93a1af7ab");
  gkdc_groupctx_free(g);
}

static void test_rekey_failure_unchanged(void)
{
  gkdc_groupctx *g = java_node();
  struct gkdc_groupctx_material m;
  struct gkdc_groupctx_info info;
  /* {ms: h'99', contextId: h'01', ecdh_alg: -28}: -28 needs HKDF SHA-512. */
  uint8_t bad[] = {0xa3, 0x02, 0x41, 0x99, 0x06, 0x41, 0x01, 0x0c, 0x38, 0x1b};
  int err = -1;

  CU_ASSERT_FATAL(gkdc_groupctx_material_parse(bad, sizeof(bad), &m, &err));
  CU_ASSERT_FALSE(gkdc_groupctx_rekey(g, &m, &err));
  CU_ASSERT_EQUAL(err, GKDC_GROUPCTX_ERR_UNSUPPORTED);
  gkdc_groupctx_info_get(g, &info);
  ASSERT_HEX(info.gid, "feedca57f05c");
  ASSERT_HEX(info.sender_key, "38f903df8410ffca58c8aabf323515a7");
  CU_ASSERT_EQUAL(info.ecdh_alg, -27);
  gkdc_groupctx_free(g);
}

static void test_sender_id_renewal(void)
{
  gkdc_groupctx *g = java_node();
  struct gkdc_groupctx_info info;
  struct blob sid;
  int err = -1;

  /* The Sender Key of ID 52 is what ID 25 derived as Recipient Key 52,
   * but 52 belongs to a member: the renewal must not take it. */
  blob_hex(&sid, "52");
  CU_ASSERT_FALSE(gkdc_groupctx_sender_id_set(g, B(&sid), &err));
  CU_ASSERT_EQUAL(err, GKDC_GROUPCTX_ERR_SENDER_ID);
  gkdc_groupctx_info_get(g, &info);
  ASSERT_HEX(info.sender_id, "25");

  /* Sender ID 77's Sender Key equals the Recipient Key derived for 77,
   * once 77 is no longer a member (stale). */
  blob_hex(&sid, "77");
  CU_ASSERT_FATAL(gkdc_groupctx_peer_remove(g, B(&sid), &err));
  CU_ASSERT_EQUAL(gkdc_groupctx_peer_count(g), 1);
  CU_ASSERT_FALSE(gkdc_groupctx_peer_remove(g, B(&sid), &err));
  CU_ASSERT_EQUAL(err, GKDC_GROUPCTX_ERR_NOT_FOUND);
  CU_ASSERT_FATAL(gkdc_groupctx_sender_id_set(g, B(&sid), &err));
  gkdc_groupctx_info_get(g, &info);
  ASSERT_HEX(info.sender_id, "77");
  ASSERT_HEX(info.sender_key, "d29789c3cf9b44bdcf94a6329b62c4aa");
  gkdc_groupctx_free(g);
}

static void test_own_key_replaced(void)
{
  gkdc_groupctx *g = java_node();
  gkdc_groupctx *fresh = NULL;
  struct blob key, seed, ccs, c52, sid;
  struct gkdc_groupctx_material m;
  struct gkdc_groupctx_own own;
  struct gkdc_groupctx_peer p;
  struct gkdc_groupctx_recipient r, rf;
  struct gkdc_groupctx_info info;
  int err = -1;

  /* After a credential upload, pairwise keys come from the new key pair:
   * they equal those of a context built with that key pair from the start. */
  blob_hex(&seed, NODE2_SEED);
  blob_hex(&ccs, NODE2_CCS);
  memset(&own, 0, sizeof(own));
  own.cred = B(&ccs);
  own.curve = GKDC_COSE_CRV_ED25519;
  own.priv = B(&seed);
  CU_ASSERT_FATAL(gkdc_groupctx_own_set(g, &own, &err));

  blob_hex(&key, JAVA_KEY);
  blob_hex(&c52, CCS_52);
  CU_ASSERT_FATAL(gkdc_groupctx_material_parse(key.b, key.len, &m, &err));
  CU_ASSERT_FATAL(gkdc_groupctx_new(cx, &m, &own, S(NULL, 0), &fresh, &err));
  p = ccs_peer(&c52, "52", &sid);
  CU_ASSERT_FATAL(gkdc_groupctx_peer_add(fresh, &p, &err));

  CU_ASSERT_FATAL(gkdc_groupctx_peer_find(g, B(&sid), &r));
  CU_ASSERT_FATAL(gkdc_groupctx_peer_find(fresh, B(&sid), &rf));
  ASSERT_SAME(r.pairwise_sender_key, rf.pairwise_sender_key);
  ASSERT_SAME(r.pairwise_recipient_key, rf.pairwise_recipient_key);
  CU_ASSERT(memcmp(r.pairwise_sender_key.ptr, "\x82\x39\x6c\x96", 4) != 0);
  gkdc_groupctx_info_get(g, &info);
  ASSERT_SAME(info.own_cred, B(&ccs));
  ASSERT_HEX(info.sender_key, "38f903df8410ffca58c8aabf323515a7");

  gkdc_groupctx_free(fresh);
  gkdc_groupctx_free(g);
}

static void test_monitor_no_sender(void)
{
  struct blob key, c52, s52;
  struct gkdc_groupctx_info info;
  struct gkdc_groupctx_recipient r;
  struct gkdc_groupctx_peer p;
  gkdc_groupctx *g;
  int err = -1;

  key_build(&key, 10, 10, -27, 0, NULL);
  g = ctx_from_key(&key, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(g);
  blob_hex(&c52, CCS_52);
  p = ccs_peer(&c52, "52", &s52);
  CU_ASSERT_FATAL(gkdc_groupctx_peer_add(g, &p, &err));

  gkdc_groupctx_info_get(g, &info);
  CU_ASSERT_FALSE(info.has_sender);
  CU_ASSERT_EQUAL(info.sender_key.len, 0);
  ASSERT_HEX(info.common_iv, "3fa9151fe4e3303d72c6a4e0f5");
  CU_ASSERT_FATAL(gkdc_groupctx_peer_get(g, 0, &r));
  ASSERT_HEX(r.recipient_key, "1bc702848de5c3b065a3e241e3f04767");
  CU_ASSERT_FALSE(r.has_pairwise);
  gkdc_groupctx_free(g);
}

/* Parses `hex` as a `key` object and expects error `want` from the parse
 * or, when the parse succeeds, from gkdc_groupctx_new(). */
static void expect_reject(const char *hex, int want)
{
  struct blob key;
  int err = -1;
  gkdc_groupctx *g;

  blob_hex(&key, hex);
  g = ctx_from_key(&key, &err);
  CU_ASSERT_PTR_NULL(g);
  CU_ASSERT_EQUAL(err, want);
  gkdc_groupctx_free(g);
}

static void test_material_hostile(void)
{
  /* Truncated map. */
  expect_reject("a3024101", GKDC_GROUPCTX_ERR_MALFORMED);
  /* Not a map. */
  expect_reject("8102", GKDC_GROUPCTX_ERR_MALFORMED);
  /* ms as an integer. */
  expect_reject("a3020106410104 0a", GKDC_GROUPCTX_ERR_MALFORMED);
  /* An algorithm as a text string: {2: h'01', 6: h'01', 4: "A"}. */
  expect_reject("a3024101064101046141", GKDC_GROUPCTX_ERR_UNSUPPORTED);
  /* No algorithm at all: {2: h'01', 6: h'01'}. */
  expect_reject("a2024101064101", GKDC_GROUPCTX_ERR_MISSING);
  /* No ms: {6: h'01', 4: 10}. */
  expect_reject("a2064101040a", GKDC_GROUPCTX_ERR_MISSING);
  /* An unknown AEAD Algorithm (99). */
  expect_reject("a302410106410104 1863", GKDC_GROUPCTX_ERR_UNSUPPORTED);
  /* An 8-byte Sender ID with AES-CCM-16-64-128 (limit 7). */
  expect_reject("a4024101064101040a07480102030405060708", GKDC_GROUPCTX_ERR_SENDER_ID);
}

static void test_hkdf_ecdh_mismatch(void)
{
  /* {2: h'01', 6: h'01', 4: 10, 3: 7, 12: -27} */
  expect_reject("a5024101064101040a03070c381a", GKDC_GROUPCTX_ERR_UNSUPPORTED);
}

static void test_peer_rejects(void)
{
  gkdc_groupctx *g = java_node();
  struct blob c52, sid, longsid;
  struct gkdc_groupctx_peer p;
  int err = -1;

  blob_hex(&c52, CCS_52);
  /* The node's own Sender ID. */
  p = ccs_peer(&c52, "25", &sid);
  CU_ASSERT_FALSE(gkdc_groupctx_peer_add(g, &p, &err));
  CU_ASSERT_EQUAL(err, GKDC_GROUPCTX_ERR_SENDER_ID);
  /* Too long for AES-CCM-16-64-128. */
  p = ccs_peer(&c52, "0102030405060708", &longsid);
  CU_ASSERT_FALSE(gkdc_groupctx_peer_add(g, &p, &err));
  CU_ASSERT_EQUAL(err, GKDC_GROUPCTX_ERR_SENDER_ID);
  /* A P-256 key in an X25519 group. */
  p = ccs_peer(&c52, "99", &sid);
  p.curve = GKDC_COSE_CRV_P256;
  CU_ASSERT_FALSE(gkdc_groupctx_peer_add(g, &p, &err));
  CU_ASSERT_EQUAL(err, GKDC_GROUPCTX_ERR_KEY);
  CU_ASSERT_EQUAL(gkdc_groupctx_peer_count(g), 2);
  gkdc_groupctx_free(g);
}

static void test_fingerprint(void)
{
  char fp[9];
  const uint8_t abc[] = {'a', 'b', 'c'};

  /* SHA-256("abc") starts with ba7816bf (FIPS 180-2 example). */
  CU_ASSERT_FATAL(gkdc_groupctx_fingerprint(cx, S(abc, 3), fp));
  CU_ASSERT_STRING_EQUAL(fp, "ba7816bf");
}

static void test_file_roundtrip(void)
{
  gkdc_groupctx *g = java_node();
  struct gkdc_groupctx_meta meta = {"feedca570000", 1, 3};
  char path[] = "/tmp/gkdc-groupctx-XXXXXX";
  struct stat st;
  uint8_t buf[2048];
  size_t len;
  FILE *f;
  int fd;
  int err = -1;
  struct gkdc_cbor_dec d, v, r;
  struct gkdc_bytes b;
  size_t n = 0;
  uint64_t u = 0;

  fd = mkstemp(path);
  CU_ASSERT_FATAL(fd >= 0);
  close(fd);
  CU_ASSERT_FATAL(chmod(path, 0644) == 0);
  CU_ASSERT_FATAL(gkdc_groupctx_write_file(g, &meta, path, &err));
  CU_ASSERT_FATAL(stat(path, &st) == 0);
  CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);

  f = fopen(path, "rb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  len = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  unlink(path);

  CU_ASSERT_FATAL(gkdc_cbor_dec_init(&d, buf, len, NULL) == GKDC_CBOR_OK);
  CU_ASSERT_FATAL(gkdc_cbor_dec_enter_map(&d, NULL));
  CU_ASSERT_FATAL(gkdc_cbor_dec_map_find_int(&d, GKDC_GROUPCTX_F_VERSION, &v));
  CU_ASSERT(gkdc_cbor_dec_get_uint(&v, &u) && u == 1);
  CU_ASSERT_FATAL(gkdc_cbor_dec_map_find_int(&d, GKDC_GROUPCTX_F_NUM, &v));
  CU_ASSERT(gkdc_cbor_dec_get_uint(&v, &u) && u == 3);
  CU_ASSERT_FATAL(gkdc_cbor_dec_map_find_int(&d, GKDC_OSC_KEY_CONTEXT_ID, &v));
  CU_ASSERT_FATAL(gkdc_cbor_dec_get_bstr(&v, &b));
  ASSERT_HEX(b, "feedca57f05c");
  CU_ASSERT_FATAL(gkdc_cbor_dec_map_find_int(&d, GKDC_GROUPCTX_F_SENDER_KEY, &v));
  CU_ASSERT_FATAL(gkdc_cbor_dec_get_bstr(&v, &b));
  ASSERT_HEX(b, "38f903df8410ffca58c8aabf323515a7");
  CU_ASSERT_FATAL(gkdc_cbor_dec_map_find_int(&d, GKDC_GROUPCTX_F_SIGN_ENC_KEY, &v));
  CU_ASSERT_FATAL(gkdc_cbor_dec_get_bstr(&v, &b));
  ASSERT_HEX(b, "887b38ceb321bf990566573222387dc2");
  CU_ASSERT_FATAL(gkdc_cbor_dec_map_find_int(&d, GKDC_GROUPCTX_F_RECIPIENTS, &r));
  CU_ASSERT_FATAL(gkdc_cbor_dec_enter_array(&r, &n));
  CU_ASSERT_EQUAL(n, 2);
  CU_ASSERT_FATAL(gkdc_cbor_dec_enter_map(&r, NULL));
  CU_ASSERT_FATAL(gkdc_cbor_dec_map_find_int(&r, 3, &v));
  CU_ASSERT_FATAL(gkdc_cbor_dec_get_bstr(&v, &b));
  ASSERT_HEX(b, "82396c969403fcdf7c67c8b93a1af7ab");
  gkdc_groupctx_free(g);
}

static void test_print_hides_keys(void)
{
  gkdc_groupctx *g = java_node();
  char text[4096];
  size_t len;
  FILE *f = tmpfile();

  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT(gkdc_groupctx_print(g, f));
  rewind(f);
  len = fread(text, 1, sizeof(text) - 1, f);
  text[len] = '\0';
  fclose(f);

  CU_ASSERT_PTR_NOT_NULL(strstr(text, "Gid feedca57f05c"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "Sender ID 25"));
  CU_ASSERT_PTR_NULL(strstr(text, "38f903df"));
  CU_ASSERT_PTR_NULL(strstr(text, "887b38ce"));
  CU_ASSERT_PTR_NULL(strstr(text, "0102030405"));
  CU_ASSERT_PTR_NULL(strstr(text, "82396c96"));
  gkdc_groupctx_free(g);
}

int main(void)
{
  static const struct {
    const char *name;
    void (*fn)(void);
  } tests[] = {
      {"material parse Java key", test_material_parse_java},
      {"derive Java group", test_derive_java_group},
      {"pairwise-only A128GCM", test_pairwise_only_gcm},
      {"group mode A128CTR", test_group_mode_ctr},
      {"two nodes match", test_two_nodes_match},
      {"pairwise P-256", test_pairwise_p256},
      {"rekey keeps Sender ID", test_rekey_keeps_sender_id},
      {"rekey failure unchanged", test_rekey_failure_unchanged},
      {"Sender ID renewal", test_sender_id_renewal},
      {"own key replaced", test_own_key_replaced},
      {"monitor without sender", test_monitor_no_sender},
      {"material hostile", test_material_hostile},
      {"hkdf ecdh mismatch", test_hkdf_ecdh_mismatch},
      {"peer rejects", test_peer_rejects},
      {"fingerprint", test_fingerprint},
      {"file roundtrip", test_file_roundtrip},
      {"print hides keys", test_print_hides_keys},
  };
  CU_pSuite suite;
  size_t i;
  int rc;

  cx = oscore_test_crypto();
  if (cx == NULL)
    return 1;
  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("groupctx", NULL, NULL);
  if (suite == NULL)
    return 1;
  for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
    if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL)
      return 1;

  rc = gkdc_test_run();
  oscore_test_crypto_unload();
  return rc;
}
