/*
 * Tests of the OSCORE core (plugins/profile-oscore): the RFC 8613 Appendix C
 * test vectors, the RFC 9203 example derivation, the replay window, the
 * OSCORE option decoder on malformed values, and the protect/unprotect
 * rules for responses, notifications, sequence numbers and the caches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <gkdc/cwt.h>

#include "oscore.h"
#include "oscore_crypto_fixture.h"

static const struct gkdc_crypto *cx;

/* ---- helpers ---- */

/* Compares bytes against a hex string and prints both on mismatch. */
static int hex_equal(const uint8_t *p, size_t len, const char *hex)
{
  uint8_t want[512];
  size_t n = oscore_test_unhex(hex, want, sizeof(want));
  size_t i;

  if (n == len && (n == 0 || memcmp(p, want, n) == 0))
    return 1;
  fprintf(stderr, "\n  expected %s\n  got      ", hex);
  for (i = 0; i < len; i++)
    fprintf(stderr, "%02x", p[i]);
  fputc('\n', stderr);
  return 0;
}

#define CHECK_HEX(p, len, hex) CU_ASSERT(hex_equal((p), (len), (hex)))

/* One Appendix C context, seen from one side. */
struct tv_context {
  const char *salt; /* NULL: none */
  const char *id_context; /* NULL: none */
  const char *client_id;
  const char *server_id;
};

static const struct tv_context tv1 = {"9e7ca92223786340", NULL, "", "01"};
static const struct tv_context tv2 = {NULL, NULL, "00", "01"};
static const struct tv_context tv3 = {"9e7ca92223786340", "37cbf3210017a2d3", "", "01"};

static const char tv_master_secret[] = "0102030405060708090a0b0c0d0e0f10";

/* Buffers behind the parameter views of make_ctx(). */
struct ctx_bytes {
  uint8_t ms[32], salt[64], idc[64], sid[8], rid[8];
};

static struct gkdc_oscore_ctx *make_ctx_alg(const struct tv_context *tv, int server,
                                            int32_t hkdf_alg)
{
  struct ctx_bytes b;
  struct gkdc_oscore_params p;

  memset(&p, 0, sizeof(p));
  p.hkdf_alg = hkdf_alg;
  p.master_secret.ptr = b.ms;
  p.master_secret.len = oscore_test_unhex(tv_master_secret, b.ms, sizeof(b.ms));
  if (tv->salt != NULL) {
    p.master_salt.ptr = b.salt;
    p.master_salt.len = oscore_test_unhex(tv->salt, b.salt, sizeof(b.salt));
  }
  if (tv->id_context != NULL) {
    p.has_id_context = 1;
    p.id_context.ptr = b.idc;
    p.id_context.len = oscore_test_unhex(tv->id_context, b.idc, sizeof(b.idc));
  }
  p.sender_id.ptr = b.sid;
  p.sender_id.len = oscore_test_unhex(server ? tv->server_id : tv->client_id, b.sid, sizeof(b.sid));
  p.recipient_id.ptr = b.rid;
  p.recipient_id.len = oscore_test_unhex(server ? tv->client_id : tv->server_id, b.rid, sizeof(b.rid));
  return gkdc_oscore_ctx_new(cx, &p);
}

static struct gkdc_oscore_ctx *make_ctx(const struct tv_context *tv, int server)
{
  return make_ctx_alg(tv, server, 0);
}

/* Parses a datagram given in hex into msg; the bytes live in `store`. */
static int parse_hex_msg(const char *hex, uint8_t *store, size_t cap,
                         struct gkdc_coap_msg *msg)
{
  size_t n = oscore_test_unhex(hex, store, cap);

  return gkdc_oscore_msg_decode(store, n, msg);
}

static int msg_equals_hex(const struct gkdc_coap_msg *msg, const char *hex)
{
  uint8_t out[512];
  size_t len = 0;

  if (!gkdc_oscore_msg_encode(msg, out, sizeof(out), &len))
    return 0;
  return hex_equal(out, len, hex);
}

/* ---- derivation (RFC 8613 C.1 - C.3) ---- */

static void check_info(const char *id, const char *id_context, const char *type,
                       size_t L, const char *expected)
{
  uint8_t idb[8], idcb[16], out[64];
  size_t id_len = oscore_test_unhex(id, idb, sizeof(idb));
  size_t idc_len = id_context ? oscore_test_unhex(id_context, idcb, sizeof(idcb)) : 0;
  size_t len = 0;

  CU_ASSERT_FATAL(gkdc_oscore_info_encode(idb, id_len, id_context != NULL, idcb, idc_len,
                                          10, type, L, out, sizeof(out), &len));
  CHECK_HEX(out, len, expected);
}

static void test_info_arrays(void)
{
  check_info("", NULL, "Key", 16, "8540f60a634b657910");
  check_info("01", NULL, "Key", 16, "854101f60a634b657910");
  check_info("", NULL, "IV", 13, "8540f60a6249560d");
  check_info("00", NULL, "Key", 16, "854100f60a634b657910");
  check_info("", "37cbf3210017a2d3", "Key", 16, "85404837cbf3210017a2d30a634b657910");
  check_info("01", "37cbf3210017a2d3", "Key", 16, "8541014837cbf3210017a2d30a634b657910");
  check_info("", "37cbf3210017a2d3", "IV", 13, "85404837cbf3210017a2d30a6249560d");
  /* RFC 9203 example: Key for id h'0000'. */
  check_info("0000", NULL, "Key", 16, "85420000f60a634b657910");
}

static void check_keys(const struct tv_context *tv, const char *client_key,
                       const char *server_key, const char *iv)
{
  struct gkdc_oscore_ctx *c = make_ctx(tv, 0);
  struct gkdc_oscore_ctx *s = make_ctx(tv, 1);

  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CHECK_HEX(c->sender_key, c->key_len, client_key);
  CHECK_HEX(c->recipient_key, c->key_len, server_key);
  CHECK_HEX(c->common_iv, c->nonce_len, iv);
  CHECK_HEX(s->sender_key, s->key_len, server_key);
  CHECK_HEX(s->recipient_key, s->key_len, client_key);
  CHECK_HEX(s->common_iv, s->nonce_len, iv);
  gkdc_oscore_ctx_free(c);
  gkdc_oscore_ctx_free(s);
}

static void test_derive_c1(void)
{
  check_keys(&tv1, "f0910ed7295e6ad4b54fc793154302ff", "ffb14e093c94c9cac9471648b4f98710",
             "4622d4dd6d944168eefb54987c");
}

static void test_derive_c2(void)
{
  check_keys(&tv2, "321b26943253c7ffb6003b0b64d74041", "e57b5635815177cd679ab4bcec9d7dda",
             "be35ae297d2dace910c52e99f9");
}

static void test_derive_c3(void)
{
  check_keys(&tv3, "af2a1300a5e95788b356336eeecd2b92", "e39a0c7c77b43f03b4b39ab9a268699f",
             "2ca58fb85ff1b81c0b7181b85e");
}

/* Nonces with Partial IV 0: the client's sender and recipient nonce. */
static void check_nonces(const struct tv_context *tv, const char *sender_nonce,
                         const char *recipient_nonce)
{
  struct gkdc_oscore_ctx *c = make_ctx(tv, 0);
  uint8_t nonce[13];
  uint8_t piv[5];
  size_t piv_len = gkdc_oscore_piv_encode(0, piv);

  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_EQUAL(piv_len, 1);
  CU_ASSERT(gkdc_oscore_nonce(c, c->sender_id, c->sender_id_len, piv, piv_len, nonce));
  CHECK_HEX(nonce, 13, sender_nonce);
  CU_ASSERT(gkdc_oscore_nonce(c, c->recipient_id, c->recipient_id_len, piv, piv_len, nonce));
  CHECK_HEX(nonce, 13, recipient_nonce);
  gkdc_oscore_ctx_free(c);
}

static void test_nonces(void)
{
  check_nonces(&tv1, "4622d4dd6d944168eefb54987c", "4722d4dd6d944169eefb54987c");
  check_nonces(&tv2, "bf35ae297d2dace910c52e99f9", "bf35ae297d2dace810c52e99f9");
  check_nonces(&tv3, "2ca58fb85ff1b81c0b7181b85e", "2da58fb85ff1b81d0b7181b85e");
}

static void test_hkdf_aliases_sha512(void)
{
  /* 5 and -10 name HKDF SHA-256; 7, -11 and -44 name HKDF SHA-512. The
   * SHA-512 values were computed with Python's hmac module from the C.1
   * inputs. */
  static const int32_t sha256[] = {5, -10, -16};
  static const int32_t sha512[] = {7, -11, -44};
  size_t i;

  for (i = 0; i < 3; i++) {
    struct gkdc_oscore_ctx *c = make_ctx_alg(&tv1, 0, sha256[i]);

    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CHECK_HEX(c->sender_key, 16, "f0910ed7295e6ad4b54fc793154302ff");
    gkdc_oscore_ctx_free(c);
  }
  for (i = 0; i < 3; i++) {
    struct gkdc_oscore_ctx *c = make_ctx_alg(&tv1, 0, sha512[i]);

    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CHECK_HEX(c->sender_key, 16, "cb7f4a1ecf9423bb470262ec670302dc");
    CHECK_HEX(c->recipient_key, 16, "bbaf9de7b437dd1800d923bb1c0262a7");
    CHECK_HEX(c->common_iv, 13, "61bb6f7145bee3eee8cec81d12");
    gkdc_oscore_ctx_free(c);
  }
  CU_ASSERT_PTR_NULL(make_ctx_alg(&tv1, 0, 6));
}

static void test_ctx_params_rejected(void)
{
  struct gkdc_oscore_params p;
  uint8_t ms[16] = {1};
  uint8_t id[8] = {0};

  memset(&p, 0, sizeof(p));
  p.master_secret.ptr = ms;
  p.master_secret.len = sizeof(ms);

  /* IDs longer than nonce length - 6 = 7 bytes. */
  p.sender_id.ptr = id;
  p.sender_id.len = 8;
  CU_ASSERT_PTR_NULL(gkdc_oscore_ctx_new(cx, &p));
  p.sender_id.len = 7;
  p.recipient_id.ptr = id;
  p.recipient_id.len = 8;
  CU_ASSERT_PTR_NULL(gkdc_oscore_ctx_new(cx, &p));
  p.recipient_id.len = 1;

  /* No Master Secret, unknown AEAD, oversized replay window. */
  p.master_secret.len = 0;
  CU_ASSERT_PTR_NULL(gkdc_oscore_ctx_new(cx, &p));
  p.master_secret.len = sizeof(ms);
  p.aead_alg = 12345;
  CU_ASSERT_PTR_NULL(gkdc_oscore_ctx_new(cx, &p));
  p.aead_alg = 0;
  p.replay_window = GKDC_OSCORE_REPLAY_WINDOW_MAX + 1;
  CU_ASSERT_PTR_NULL(gkdc_oscore_ctx_new(cx, &p));
  p.replay_window = GKDC_OSCORE_REPLAY_WINDOW_MAX;
  {
    struct gkdc_oscore_ctx *c = gkdc_oscore_ctx_new(cx, &p);

    CU_ASSERT_PTR_NOT_NULL(c);
    gkdc_oscore_ctx_free(c);
  }
}

/* ---- RFC 9203 example (OSCORE profile of ACE) ---- */

static void test_ace_master_salt(void)
{
  uint8_t salt[16], n1[8], n2[8], out[64];
  size_t salt_len = oscore_test_unhex("f9af838368e353e78888e1426bd94e6f", salt, sizeof(salt));
  size_t n1_len = oscore_test_unhex("018a278f7faab55a", n1, sizeof(n1));
  size_t n2_len = oscore_test_unhex("25a8991cd700ac01", n2, sizeof(n2));
  size_t len = 0;

  CU_ASSERT_FATAL(gkdc_oscore_ace_master_salt(1, salt, salt_len, n1, n1_len, n2, n2_len,
                                              out, sizeof(out), &len));
  CHECK_HEX(out, len,
            "50f9af838368e353e78888e1426bd94e6f48018a278f7faab55a4825a8991cd700ac01");
  CU_ASSERT_FATAL(gkdc_oscore_ace_master_salt(0, NULL, 0, n1, n1_len, n2, n2_len, out,
                                              sizeof(out), &len));
  CHECK_HEX(out, len, "48018a278f7faab55a4825a8991cd700ac01");
  CU_ASSERT_FALSE(gkdc_oscore_ace_master_salt(1, salt, salt_len, n1, n1_len, n2, n2_len,
                                              out, 20, &len));
}

/* Derives the RFC 9203 example context seen by the client: Sender ID = ID2
 * h'0000', Recipient ID = ID1 h'1645'. */
static void check_ace_context(const char *master_salt, const char *sender_key,
                              const char *recipient_key, const char *iv)
{
  uint8_t ms[16], salt[64], sid[2], rid[2];
  struct gkdc_oscore_params p;
  struct gkdc_oscore_ctx *c;

  memset(&p, 0, sizeof(p));
  p.master_secret.ptr = ms;
  p.master_secret.len = oscore_test_unhex("f9af838368e353e78888e1426bd94e6f", ms, sizeof(ms));
  p.master_salt.ptr = salt;
  p.master_salt.len = oscore_test_unhex(master_salt, salt, sizeof(salt));
  p.sender_id.ptr = sid;
  p.sender_id.len = oscore_test_unhex("0000", sid, sizeof(sid));
  p.recipient_id.ptr = rid;
  p.recipient_id.len = oscore_test_unhex("1645", rid, sizeof(rid));
  c = gkdc_oscore_ctx_new(cx, &p);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CHECK_HEX(c->sender_key, 16, sender_key);
  CHECK_HEX(c->recipient_key, 16, recipient_key);
  CHECK_HEX(c->common_iv, 13, iv);
  gkdc_oscore_ctx_free(c);
}

static void test_ace_derived_context(void)
{
  check_ace_context("50f9af838368e353e78888e1426bd94e6f48018a278f7faab55a4825a8991cd700ac01",
                    "b27e21a6e8904c69367a7903b60c19ae", "7ca38f735b2e0866341bfe149795d547",
                    "7c3b80ba46ee86b866da7b6718");
  check_ace_context("48018a278f7faab55a4825a8991cd700ac01", "b4f75f390fbe0b1f28624002ff8c63bd",
                    "7ccd56cd3e0217d0d68b95262a967932", "f0242c6071e22f43bf00e22b1e");
}

/* The cnf claim of the RFC 9203 example token (Figures 5 and 6). */
static const char rfc9203_cnf[] = "a104a2004101" "0250f9af838368e353e78888e1426bd94e6f";

static void test_ace_input_material(void)
{
  uint8_t cnf[64];
  size_t cnf_len = oscore_test_unhex(rfc9203_cnf, cnf, sizeof(cnf));
  struct gkdc_bytes osc;
  struct gkdc_oscore_input_material m;

  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_cnf_osc(cnf, cnf_len, &osc), GKDC_OSCORE_OK);
  CHECK_HEX(osc.ptr, osc.len, "a20041010250f9af838368e353e78888e1426bd94e6f");
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_input_material_parse(osc.ptr, osc.len, &m),
                        GKDC_OSCORE_OK);
  CHECK_HEX(m.id.ptr, m.id.len, "01");
  CHECK_HEX(m.ms.ptr, m.ms.len, "f9af838368e353e78888e1426bd94e6f");
  CU_ASSERT_EQUAL(m.aead_alg, 10);
  CU_ASSERT_EQUAL(m.hkdf_alg, 5);
  CU_ASSERT_FALSE(m.has_salt);
  CU_ASSERT_FALSE(m.has_context_id);
}

/* From the token's cnf to both ends' contexts of the RFC 9203 example:
 * N1, N2, ID1 h'1645', ID2 h'0000'. */
static void test_ace_derive_both_ends(void)
{
  uint8_t cnf[64], n1[8], n2[8], id1[2], id2[2];
  size_t cnf_len = oscore_test_unhex(rfc9203_cnf, cnf, sizeof(cnf));
  struct gkdc_bytes osc, bn1, bn2, bid1, bid2;
  struct gkdc_oscore_input_material m;
  struct gkdc_oscore_ctx *c, *s;

  bn1.ptr = n1;
  bn1.len = oscore_test_unhex("018a278f7faab55a", n1, sizeof(n1));
  bn2.ptr = n2;
  bn2.len = oscore_test_unhex("25a8991cd700ac01", n2, sizeof(n2));
  bid1.ptr = id1;
  bid1.len = oscore_test_unhex("1645", id1, sizeof(id1));
  bid2.ptr = id2;
  bid2.len = oscore_test_unhex("0000", id2, sizeof(id2));
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_cnf_osc(cnf, cnf_len, &osc), GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_input_material_parse(osc.ptr, osc.len, &m),
                        GKDC_OSCORE_OK);

  /* The example token has no salt: Master Salt = bstr(N1) | bstr(N2). */
  c = gkdc_oscore_ace_derive(cx, &m, bn1, bn2, bid1, bid2, GKDC_OSCORE_ACE_CLIENT);
  s = gkdc_oscore_ace_derive(cx, &m, bn1, bn2, bid1, bid2, GKDC_OSCORE_ACE_SERVER);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CHECK_HEX(c->sender_id, c->sender_id_len, "0000");
  CHECK_HEX(c->sender_key, 16, "b4f75f390fbe0b1f28624002ff8c63bd");
  CHECK_HEX(c->recipient_key, 16, "7ccd56cd3e0217d0d68b95262a967932");
  CHECK_HEX(c->common_iv, 13, "f0242c6071e22f43bf00e22b1e");
  CHECK_HEX(s->sender_id, s->sender_id_len, "1645");
  CHECK_HEX(s->sender_key, 16, "7ccd56cd3e0217d0d68b95262a967932");
  CHECK_HEX(s->recipient_key, 16, "b4f75f390fbe0b1f28624002ff8c63bd");

  /* With the salt of section 3.6 the keys change accordingly. */
  m.has_salt = 1;
  m.salt = m.ms;
  gkdc_oscore_ctx_free(c);
  c = gkdc_oscore_ace_derive(cx, &m, bn1, bn2, bid1, bid2, GKDC_OSCORE_ACE_CLIENT);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CHECK_HEX(c->sender_key, 16, "b27e21a6e8904c69367a7903b60c19ae");

  /* ID1 == ID2 would make the keys coincide. */
  CU_ASSERT_PTR_NULL(gkdc_oscore_ace_derive(cx, &m, bn1, bn2, bid1, bid1,
                                            GKDC_OSCORE_ACE_SERVER));
  gkdc_oscore_ctx_free(c);
  gkdc_oscore_ctx_free(s);
}

/* The 89-byte claims set of the RFC 9203 example token (Figures 5 and 6):
 * the material comes out of its cnf claim. */
static void test_ace_example_claims(void)
{
  static const char claims_hex[] =
      "a503" "76" "74656d7053656e736f72496e4c6976696e67526f6f6d"
      "061a5112d728" "041a51145dc8"
      "0978" "18" "74656d70657261747572655f67206669726d776172655f70"
      "08a104a2004101" "0250f9af838368e353e78888e1426bd94e6f";
  uint8_t claims[128];
  size_t len = oscore_test_unhex(claims_hex, claims, sizeof(claims));
  struct gkdc_cwt_claims c;
  struct gkdc_bytes osc;
  struct gkdc_oscore_input_material m;

  CU_ASSERT_EQUAL_FATAL(len, 89);
  CU_ASSERT_EQUAL_FATAL(gkdc_cwt_claims_parse(claims, len, &c), GKDC_CBOR_OK);
  CU_ASSERT(gkdc_cwt_aud_contains(&c, "tempSensorInLivingRoom"));
  CU_ASSERT_EQUAL(c.iat, 1360189224);
  CU_ASSERT_EQUAL(c.exp, 1360289224);
  CU_ASSERT(c.present & GKDC_CWT_HAS_SCOPE);
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_cnf_osc(c.cnf.ptr, c.cnf.len, &osc), GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_input_material_parse(osc.ptr, osc.len, &m),
                        GKDC_OSCORE_OK);
  CHECK_HEX(m.id.ptr, m.id.len, "01");
  CHECK_HEX(m.ms.ptr, m.ms.len, "f9af838368e353e78888e1426bd94e6f");
}

static void test_ace_input_material_fields(void)
{
  /* {0: h'01', 1: 1, 2: ms, 3: "HMAC 512/512", 4: "AES-CCM-16-64-128",
   *  5: h'aa', 6: h'bb'} */
  static const char full[] =
      "a7" "004101" "0101" "0250f9af838368e353e78888e1426bd94e6f"
      "036c484d4143203531322f353132" "04714145532d43434d2d31362d36342d313238"
      "0541aa" "0641bb";
  static const char *const bad[] = {
    "a1004101",                                         /* ms missing */
    "a10250f9af838368e353e78888e1426bd94e6f",           /* id missing */
    "a20041010240",                                     /* empty ms */
    "a3004101024101" "0102",                            /* version 2 */
    "a3004101024101" "0741aa",                          /* unknown label 7 */
    "a3004101024101" "617841aa",                        /* text key "x" */
    "a3004101024101" "0463616263",                      /* unknown alg name */
    "a200410102" "6161",                                /* ms as text */
    "82004101",                                         /* not a map */
    "a2004101024101ff",                                 /* trailing byte */
  };
  uint8_t buf[128];
  size_t n = oscore_test_unhex(full, buf, sizeof(buf));
  struct gkdc_oscore_input_material m;
  size_t i;

  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_input_material_parse(buf, n, &m), GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL(m.hkdf_alg, 7);
  CU_ASSERT_EQUAL(m.aead_alg, 10);
  CU_ASSERT(m.has_salt);
  CHECK_HEX(m.salt.ptr, m.salt.len, "aa");
  CU_ASSERT(m.has_context_id);
  CHECK_HEX(m.context_id.ptr, m.context_id.len, "bb");

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    enum gkdc_oscore_status st;

    n = oscore_test_unhex(bad[i], buf, sizeof(buf));
    st = gkdc_oscore_input_material_parse(buf, n, &m);
    if (st != GKDC_OSCORE_ERR_INVALID)
      fprintf(stderr, "\n  input material %s accepted\n", bad[i]);
    CU_ASSERT_EQUAL(st, GKDC_OSCORE_ERR_INVALID);
  }

  /* cnf maps with another method, two methods, or a non-map osc. */
  {
    struct gkdc_bytes osc;

    n = oscore_test_unhex("a10341aa", buf, sizeof(buf));
    CU_ASSERT_EQUAL(gkdc_oscore_cnf_osc(buf, n, &osc), GKDC_OSCORE_ERR_NO_CONTEXT);
    n = oscore_test_unhex("a20341aa04a0", buf, sizeof(buf));
    CU_ASSERT_EQUAL(gkdc_oscore_cnf_osc(buf, n, &osc), GKDC_OSCORE_ERR_NO_CONTEXT);
    n = oscore_test_unhex("a10441aa", buf, sizeof(buf));
    CU_ASSERT_EQUAL(gkdc_oscore_cnf_osc(buf, n, &osc), GKDC_OSCORE_ERR_INVALID);
  }
}

static void test_ace_authz_info_parse(void)
{
  /* RFC 9203 Figure 11, with the token shortened to its shown prefix. */
  static const char fig11[] =
      "a3" "01498343a1010aa2044c53" "1828" "48018a278f7faab55a" "182b" "421645";
  static const char *const bad[] = {
    "a11828" "48018a278f7faab55a",       /* no access_token */
    "a10140",                            /* empty access_token */
    "a1016161",                          /* access_token as text */
    "a2014101" "18286161",               /* nonce1 as text */
    "a2014101" "182b01",                 /* recipient ID as an integer */
    "a201410101" "4101",                 /* duplicate key */
  };
  uint8_t buf[64];
  size_t n = oscore_test_unhex(fig11, buf, sizeof(buf));
  struct gkdc_oscore_authz_info a;
  size_t i;

  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_authz_info_parse(buf, n, &a), GKDC_OSCORE_OK);
  CHECK_HEX(a.access_token.ptr, a.access_token.len, "8343a1010aa2044c53");
  CU_ASSERT(a.has_nonce1);
  CHECK_HEX(a.nonce1.ptr, a.nonce1.len, "018a278f7faab55a");
  CU_ASSERT(a.has_client_recipient_id);
  CHECK_HEX(a.client_recipient_id.ptr, a.client_recipient_id.len, "1645");

  /* The update of access rights carries the token alone. */
  n = oscore_test_unhex("a1014101", buf, sizeof(buf));
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_authz_info_parse(buf, n, &a), GKDC_OSCORE_OK);
  CU_ASSERT_FALSE(a.has_nonce1);
  CU_ASSERT_FALSE(a.has_client_recipient_id);

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    n = oscore_test_unhex(bad[i], buf, sizeof(buf));
    CU_ASSERT_EQUAL(gkdc_oscore_authz_info_parse(buf, n, &a), GKDC_OSCORE_ERR_INVALID);
  }
}

static void test_ace_authz_info_response(void)
{
  uint8_t n2[8], id2[2], out[64];
  size_t n2_len = oscore_test_unhex("25a8991cd700ac01", n2, sizeof(n2));
  size_t id2_len = oscore_test_unhex("0000", id2, sizeof(id2));
  /* A KDC pair: kdcchallenge (46) h'0102'. */
  uint8_t extra[8];
  size_t extra_len = oscore_test_unhex("182e420102", extra, sizeof(extra));
  size_t len = 0;

  /* RFC 9203 Figure 12. */
  CU_ASSERT_FATAL(gkdc_oscore_authz_info_response(n2, n2_len, id2, id2_len, NULL, 0, 0, out,
                                                  sizeof(out), &len));
  CHECK_HEX(out, len, "a2182a4825a8991cd700ac01182c420000");

  /* With the KDC's pair, in key order. */
  CU_ASSERT_FATAL(gkdc_oscore_authz_info_response(n2, n2_len, id2, id2_len, extra, extra_len,
                                                  1, out, sizeof(out), &len));
  CHECK_HEX(out, len, "a3182a4825a8991cd700ac01182c420000182e420102");
  CU_ASSERT_FALSE(gkdc_oscore_authz_info_response(n2, n2_len, id2, id2_len, extra, extra_len,
                                                  1, out, 10, &len));
}

static void test_ace_pick_recipient_id(void)
{
  struct gkdc_oscore_ctxset *set = gkdc_oscore_ctxset_new();
  uint8_t id1[2], out[7];
  size_t id1_len, len = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL(set);
  id1_len = oscore_test_unhex("1645", id1, sizeof(id1));
  CU_ASSERT(gkdc_oscore_pick_recipient_id(set, id1, id1_len, 7, out, &len));
  CHECK_HEX(out, len, "00");
  id1_len = oscore_test_unhex("00", id1, sizeof(id1));
  CU_ASSERT(gkdc_oscore_pick_recipient_id(set, id1, id1_len, 7, out, &len));
  CHECK_HEX(out, len, "01");

  /* The C.2 server context receives with ID h'00'; with ID1 h'01' the
   * next free value is h'02'. */
  CU_ASSERT_FATAL(gkdc_oscore_ctxset_add(set, make_ctx(&tv2, 1)));
  id1_len = oscore_test_unhex("01", id1, sizeof(id1));
  CU_ASSERT(gkdc_oscore_pick_recipient_id(set, id1, id1_len, 7, out, &len));
  CHECK_HEX(out, len, "02");
  CU_ASSERT_FALSE(gkdc_oscore_pick_recipient_id(set, id1, id1_len, 0, out, &len));
  gkdc_oscore_ctxset_free(set);
}

/* ---- AAD ---- */

static void test_aad(void)
{
  uint8_t kid[1] = {0x00}, piv[1] = {0x25}, piv14[1] = {0x14}, out[64];
  size_t len = 0;

  /* RFC 8613 section 5.4 example. */
  CU_ASSERT(gkdc_oscore_aad_array_encode(10, kid, 1, piv, 1, out, sizeof(out), &len));
  CHECK_HEX(out, len, "8501810a4100412540");
  CU_ASSERT(gkdc_oscore_aad_encode(10, kid, 1, piv, 1, out, sizeof(out), &len));
  CHECK_HEX(out, len, "8368456e63727970743040498501810a4100412540");

  /* C.4 (empty kid) and C.5. */
  CU_ASSERT(gkdc_oscore_aad_array_encode(10, NULL, 0, piv14, 1, out, sizeof(out), &len));
  CHECK_HEX(out, len, "8501810a40411440");
  CU_ASSERT(gkdc_oscore_aad_encode(10, NULL, 0, piv14, 1, out, sizeof(out), &len));
  CHECK_HEX(out, len, "8368456e63727970743040488501810a40411440");
  CU_ASSERT(gkdc_oscore_aad_encode(10, kid, 1, piv14, 1, out, sizeof(out), &len));
  CHECK_HEX(out, len, "8368456e63727970743040498501810a4100411440");

  CU_ASSERT_FALSE(gkdc_oscore_aad_encode(10, kid, 1, piv14, 1, out, 10, &len));
}

/* ---- message protection (RFC 8613 C.4 - C.8) ---- */

struct tv_request {
  const struct tv_context *ctx;
  int send_kid_context;
  const char *unprotected;
  const char *key;
  const char *nonce;
  const char *option;
  const char *ciphertext;
  const char *protected_msg;
};

/* For C.6 the message carries the vector's ciphertext line (72cd...), which
 * the derivation reproduces; the full message of C.6 in the draft source of
 * RFC 8613 carries the ciphertext of C.5 instead. */
static const struct tv_request tv_requests[] = {
  {&tv1, 0, "44015d1f00003974396c6f63616c686f737483747631",
   "f0910ed7295e6ad4b54fc793154302ff", "4622d4dd6d944168eefb549868", "0914",
   "612f1092f1776f1c1668b3825e",
   "44025d1f00003974396c6f63616c686f7374620914ff612f1092f1776f1c1668b3825e"},
  {&tv2, 0, "440171c30000b932396c6f63616c686f737483747631",
   "321b26943253c7ffb6003b0b64d74041", "bf35ae297d2dace910c52e99ed", "091400",
   "4ed339a5a379b0b8bc731fffb0",
   "440271c30000b932396c6f63616c686f737463091400ff4ed339a5a379b0b8bc731fffb0"},
  {&tv3, 1, "44012f8eef9bbf7a396c6f63616c686f737483747631",
   "af2a1300a5e95788b356336eeecd2b92", "2ca58fb85ff1b81c0b7181b84a",
   "19140837cbf3210017a2d3", "72cd7273fd331ac45cffbe55c3",
   "44022f8eef9bbf7a396c6f63616c686f73746b19140837cbf3210017a2d3ff72cd7273fd331ac45cffbe55c3"},
};

static void run_request_vector(const struct tv_request *tv)
{
  struct gkdc_oscore_ctx *c = make_ctx(tv->ctx, 0);
  struct gkdc_oscore_ctx *s = make_ctx(tv->ctx, 1);
  uint8_t plain_store[128], wire_store[128], buf[256], inner_buf[256];
  struct gkdc_coap_msg plain, prot, wire, inner;
  struct gkdc_oscore_request creq, sreq;
  const struct gkdc_coap_option *o;

  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CHECK_HEX(c->sender_key, 16, tv->key);
  CU_ASSERT_FATAL(parse_hex_msg(tv->unprotected, plain_store, sizeof(plain_store), &plain));

  /* Client: Sender Sequence Number 20. */
  c->ssn = 20;
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(c, &plain, tv->send_kid_context, &prot,
                                                    buf, sizeof(buf), &creq),
                        GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL(c->ssn, 21);
  CHECK_HEX(creq.nonce, creq.nonce_len, tv->nonce);
  CHECK_HEX(creq.piv, creq.piv_len, "14");
  o = gkdc_oscore_msg_find(&prot, GKDC_OPT_OSCORE);
  CU_ASSERT_PTR_NOT_NULL_FATAL(o);
  CHECK_HEX(o->value.ptr, o->value.len, tv->option);
  CHECK_HEX(prot.payload.ptr, prot.payload.len, tv->ciphertext);
  CU_ASSERT_EQUAL(prot.code, GKDC_POST);
  CU_ASSERT(msg_equals_hex(&prot, tv->protected_msg));

  /* Server: parse the wire bytes, unprotect, compare with the original. */
  CU_ASSERT_FATAL(parse_hex_msg(tv->protected_msg, wire_store, sizeof(wire_store), &wire));
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_unprotect_request(s, &wire, &inner, inner_buf,
                                                      sizeof(inner_buf), &sreq),
                        GKDC_OSCORE_OK);
  CU_ASSERT(msg_equals_hex(&inner, tv->unprotected));
  CHECK_HEX(sreq.nonce, sreq.nonce_len, tv->nonce);
  CU_ASSERT_EQUAL(s->replay.highest, 20);

  /* The same bytes again are a replay. */
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_request(s, &wire, &inner, inner_buf,
                                                sizeof(inner_buf), &sreq),
                  GKDC_OSCORE_ERR_REPLAY);

  gkdc_oscore_ctx_free(c);
  gkdc_oscore_ctx_free(s);
}

static void test_vector_c4(void)
{
  run_request_vector(&tv_requests[0]);
}

static void test_vector_c5(void)
{
  run_request_vector(&tv_requests[1]);
}

static void test_vector_c6(void)
{
  run_request_vector(&tv_requests[2]);
}

/* C.7 and C.8: responses to C.4, without and with a Partial IV. */
static void run_response_vector(enum gkdc_oscore_piv_mode mode, const char *option,
                                const char *ciphertext, const char *protected_msg)
{
  static const char unprotected[] = "64455d1f00003974ff48656c6c6f20576f726c6421";
  struct gkdc_oscore_ctx *c = make_ctx(&tv1, 0);
  struct gkdc_oscore_ctx *s = make_ctx(&tv1, 1);
  uint8_t req_store[128], resp_store[128], wire_store[128], buf[256], inner_buf[256];
  struct gkdc_coap_msg req, prot_req, resp, prot, wire, inner;
  struct gkdc_oscore_request creq, sreq;
  const struct gkdc_coap_option *o;

  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);

  /* The C.4 exchange binds the response: request kid h'', Partial IV 14. */
  CU_ASSERT_FATAL(parse_hex_msg(tv_requests[0].unprotected, req_store, sizeof(req_store), &req));
  c->ssn = 20;
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(c, &req, 0, &prot_req, buf, sizeof(buf),
                                                    &creq),
                        GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_unprotect_request(s, &prot_req, &inner, inner_buf,
                                                      sizeof(inner_buf), &sreq),
                        GKDC_OSCORE_OK);

  /* Server: Sender Sequence Number 0. */
  CU_ASSERT_FATAL(parse_hex_msg(unprotected, resp_store, sizeof(resp_store), &resp));
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_response(s, &resp, mode, &prot, buf, sizeof(buf),
                                                     &sreq),
                        GKDC_OSCORE_OK);
  o = gkdc_oscore_msg_find(&prot, GKDC_OPT_OSCORE);
  CU_ASSERT_PTR_NOT_NULL_FATAL(o);
  CHECK_HEX(o->value.ptr, o->value.len, option);
  CHECK_HEX(prot.payload.ptr, prot.payload.len, ciphertext);
  CU_ASSERT_EQUAL(prot.code, GKDC_CODE(2, 4));
  CU_ASSERT(msg_equals_hex(&prot, protected_msg));
  CU_ASSERT_EQUAL(s->ssn, mode == GKDC_OSCORE_PIV_OWN ? 1 : 0);

  /* Client: unprotect the wire bytes. */
  CU_ASSERT_FATAL(parse_hex_msg(protected_msg, wire_store, sizeof(wire_store), &wire));
  CU_ASSERT_EQUAL(gkdc_oscore_response_classify(&wire), GKDC_OSCORE_RESPONSE_PROTECTED);
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_unprotect_response(c, &wire, &inner, inner_buf,
                                                       sizeof(inner_buf), &creq),
                        GKDC_OSCORE_OK);
  CU_ASSERT(msg_equals_hex(&inner, unprotected));

  /* A second response to the same request is dropped. */
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_response(c, &wire, &inner, inner_buf,
                                                 sizeof(inner_buf), &creq),
                  GKDC_OSCORE_ERR_RESPONSE);

  gkdc_oscore_ctx_free(c);
  gkdc_oscore_ctx_free(s);
}

static void test_vector_c7(void)
{
  run_response_vector(GKDC_OSCORE_PIV_AUTO, "", "dbaad1e9a7e7b2a813d3c31524378303cdafae119106",
                      "64445d1f0000397490ffdbaad1e9a7e7b2a813d3c31524378303cdafae119106");
}

static void test_vector_c8(void)
{
  run_response_vector(GKDC_OSCORE_PIV_OWN, "0100", "4d4c13669384b67354b2b6175ff4b8658c666a6cf88e",
                      "64445d1f00003974920100ff4d4c13669384b67354b2b6175ff4b8658c666a6cf88e");
}

/* The C.8 nonce: Partial IV 0 with the server's Sender ID. */
static void test_vector_c8_nonce(void)
{
  struct gkdc_oscore_ctx *s = make_ctx(&tv1, 1);
  uint8_t piv[5], nonce[13];
  size_t piv_len = gkdc_oscore_piv_encode(0, piv);

  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT(gkdc_oscore_nonce(s, s->sender_id, s->sender_id_len, piv, piv_len, nonce));
  CHECK_HEX(nonce, 13, "4722d4dd6d944169eefb54987c");
  gkdc_oscore_ctx_free(s);
}

/* ---- Partial IV ---- */

static void test_piv_encoding(void)
{
  static const struct {
    uint64_t seq;
    const char *hex;
  } cases[] = {
    {0, "00"}, {1, "01"}, {20, "14"}, {255, "ff"}, {256, "0100"},
    {65535, "ffff"}, {65536, "010000"}, {GKDC_OSCORE_MAX_SSN, "ffffffffff"},
  };
  uint8_t piv[5];
  uint64_t back;
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    size_t len = gkdc_oscore_piv_encode(cases[i].seq, piv);

    CHECK_HEX(piv, len, cases[i].hex);
    CU_ASSERT(gkdc_oscore_piv_decode(piv, len, &back));
    CU_ASSERT_EQUAL(back, cases[i].seq);
  }
  CU_ASSERT_EQUAL(gkdc_oscore_piv_encode(GKDC_OSCORE_MAX_SSN + 1, piv), 0);
  CU_ASSERT_FALSE(gkdc_oscore_piv_decode(piv, 0, &back));
  CU_ASSERT_FALSE(gkdc_oscore_piv_decode((const uint8_t *)"\1\2\3\4\5\6", 6, &back));
}

/* ---- replay window ---- */

enum replay_op { CHECK_ONLY, ACCEPT, RESTORE_EXACT, RESTORE_LOST, RESYNC };

struct replay_step {
  enum replay_op op;
  uint64_t seq;
  enum gkdc_oscore_replay_result expect;
};

static void run_replay_table(uint32_t size, const struct replay_step *steps, size_t n)
{
  struct gkdc_oscore_replay w, saved;
  size_t i;

  CU_ASSERT_FATAL(gkdc_oscore_replay_init(&w, size));
  for (i = 0; i < n; i++) {
    const struct replay_step *s = &steps[i];
    enum gkdc_oscore_replay_result r;

    switch (s->op) {
    case RESTORE_EXACT:
      gkdc_oscore_replay_export(&w, &saved);
      CU_ASSERT_FATAL(gkdc_oscore_replay_init(&w, size));
      CU_ASSERT_FATAL(gkdc_oscore_replay_restore(&w, &saved, 1));
      continue;
    case RESTORE_LOST:
      gkdc_oscore_replay_export(&w, &saved);
      CU_ASSERT_FATAL(gkdc_oscore_replay_init(&w, size));
      CU_ASSERT_FATAL(gkdc_oscore_replay_restore(&w, &saved, 0));
      continue;
    case RESYNC:
      CU_ASSERT_FATAL(gkdc_oscore_replay_resync(&w, s->seq));
      continue;
    default:
      break;
    }

    r = gkdc_oscore_replay_check(&w, s->seq);
    if (r != s->expect)
      fprintf(stderr, "\n  replay step %zu (seq %llu): got %d, expected %d\n", i,
              (unsigned long long)s->seq, (int)r, (int)s->expect);
    CU_ASSERT_EQUAL(r, s->expect);
    if (s->op == ACCEPT)
      CU_ASSERT_EQUAL(gkdc_oscore_replay_update(&w, s->seq), r == GKDC_OSCORE_REPLAY_OK);
  }
}

#define OK GKDC_OSCORE_REPLAY_OK
#define REPLAY GKDC_OSCORE_REPLAY_REPLAY
#define INVALID GKDC_OSCORE_REPLAY_INVALID
#define NOSYNC GKDC_OSCORE_REPLAY_NOSYNC

static void test_replay_window_32(void)
{
  static const struct replay_step steps[] = {
    {ACCEPT, 0, OK},          /* sequence number 0 is valid */
    {ACCEPT, 0, REPLAY},      /* duplicate */
    {ACCEPT, 5, OK},          /* jump ahead */
    {ACCEPT, 3, OK},          /* out of order inside the window: once */
    {ACCEPT, 3, REPLAY},
    {ACCEPT, 4, OK},
    {ACCEPT, 5, REPLAY},
    {ACCEPT, 37, OK},         /* window now 6..37 */
    {CHECK_ONLY, 5, REPLAY},  /* just below the window */
    {CHECK_ONLY, 6, OK},      /* lowest number inside, never seen */
    {ACCEPT, 6, OK},
    {ACCEPT, 6, REPLAY},
    {ACCEPT, 38, OK},         /* window 7..38: 6 falls out */
    {CHECK_ONLY, 6, REPLAY},
    {CHECK_ONLY, 7, OK},
    {ACCEPT, 1000, OK},       /* jump past the whole window */
    {CHECK_ONLY, 968, REPLAY},
    {CHECK_ONLY, 969, OK},
    {CHECK_ONLY, 999, OK},
    {ACCEPT, 1000, REPLAY},
    {CHECK_ONLY, GKDC_OSCORE_MAX_SSN, OK},
    {CHECK_ONLY, GKDC_OSCORE_MAX_SSN + 1, INVALID},
  };

  run_replay_table(32, steps, sizeof(steps) / sizeof(steps[0]));
}

static void test_replay_window_64(void)
{
  static const struct replay_step steps[] = {
    {ACCEPT, 10, OK},          /* first number need not be 0 */
    {CHECK_ONLY, 0, OK},       /* older ones still inside a 64-window */
    {ACCEPT, 74, OK},          /* window 11..74 */
    {CHECK_ONLY, 10, REPLAY},
    {CHECK_ONLY, 11, OK},
    {ACCEPT, 11, OK},
    {ACCEPT, 11, REPLAY},
    {ACCEPT, 75, OK},          /* 11 leaves the window */
    {CHECK_ONLY, 11, REPLAY},
    {CHECK_ONLY, 12, OK},
  };

  run_replay_table(64, steps, sizeof(steps) / sizeof(steps[0]));
}

static void test_replay_restore(void)
{
  static const struct replay_step steps[] = {
    {ACCEPT, 7, OK},
    {ACCEPT, 9, OK},
    {RESTORE_EXACT, 0, OK},
    {ACCEPT, 7, REPLAY},       /* exact snapshot keeps what was seen */
    {ACCEPT, 9, REPLAY},
    {ACCEPT, 8, OK},
    {RESTORE_LOST, 0, OK},     /* a stale or missing snapshot */
    {CHECK_ONLY, 100, NOSYNC},
    {CHECK_ONLY, 0, NOSYNC},
    {RESYNC, 50, OK},          /* freshness proven for Partial IV 50 */
    {ACCEPT, 50, REPLAY},      /* the lower limit itself is taken */
    {ACCEPT, 49, REPLAY},      /* below the limit */
    {ACCEPT, 20, REPLAY},
    {ACCEPT, 51, OK},
    {ACCEPT, 51, REPLAY},
  };

  run_replay_table(32, steps, sizeof(steps) / sizeof(steps[0]));
}

static void test_replay_restore_rejects_garbage(void)
{
  struct gkdc_oscore_replay w, bad;

  CU_ASSERT_FATAL(gkdc_oscore_replay_init(&w, 32));
  memset(&bad, 0, sizeof(bad));
  bad.state = GKDC_OSCORE_REPLAY_ACTIVE;
  bad.size = 32;
  bad.highest = 5;
  bad.seen = UINT64_C(1) << 40; /* outside a 32-window, and bit 0 clear */
  CU_ASSERT_FALSE(gkdc_oscore_replay_restore(&w, &bad, 1));
  bad.seen = 1;
  bad.size = 65;
  CU_ASSERT_FALSE(gkdc_oscore_replay_restore(&w, &bad, 1));
  bad.size = 32;
  bad.state = 9;
  CU_ASSERT_FALSE(gkdc_oscore_replay_restore(&w, &bad, 1));
  CU_ASSERT_EQUAL(w.state, GKDC_OSCORE_REPLAY_EMPTY);
  CU_ASSERT_FALSE(gkdc_oscore_replay_init(&w, 65));
}

static void test_replay_encoding(void)
{
  struct gkdc_oscore_replay w, back;
  uint8_t bytes[GKDC_OSCORE_REPLAY_STATE_LEN];

  CU_ASSERT_FATAL(gkdc_oscore_replay_init(&w, 64));
  CU_ASSERT_FATAL(gkdc_oscore_replay_update(&w, 1000));
  CU_ASSERT_FATAL(gkdc_oscore_replay_update(&w, 990));
  CU_ASSERT_FATAL(gkdc_oscore_replay_encode(&w, bytes));
  CHECK_HEX(bytes, sizeof(bytes), "010140" "00000000000003e8" "0000000000000401");
  CU_ASSERT_FATAL(gkdc_oscore_replay_decode(bytes, sizeof(bytes), &back));
  CU_ASSERT_FATAL(gkdc_oscore_replay_restore(&w, &back, 1));
  CU_ASSERT_EQUAL(gkdc_oscore_replay_check(&w, 990), GKDC_OSCORE_REPLAY_REPLAY);
  CU_ASSERT_EQUAL(gkdc_oscore_replay_check(&w, 991), GKDC_OSCORE_REPLAY_OK);

  /* Wrong length, version, state or size. */
  CU_ASSERT_FALSE(gkdc_oscore_replay_decode(bytes, sizeof(bytes) - 1, &back));
  bytes[0] = 2;
  CU_ASSERT_FALSE(gkdc_oscore_replay_decode(bytes, sizeof(bytes), &back));
  bytes[0] = 1;
  bytes[1] = 3;
  CU_ASSERT_FALSE(gkdc_oscore_replay_decode(bytes, sizeof(bytes), &back));
  bytes[1] = 1;
  bytes[2] = 65;
  CU_ASSERT_FALSE(gkdc_oscore_replay_decode(bytes, sizeof(bytes), &back));
  bytes[2] = 0;
  CU_ASSERT_FALSE(gkdc_oscore_replay_decode(bytes, sizeof(bytes), &back));
}

#undef OK
#undef REPLAY
#undef INVALID
#undef NOSYNC

/* ---- OSCORE option decoder ---- */

static void test_option_decode_valid(void)
{
  static const struct {
    const char *hex;
    const char *piv, *kid_context, *kid; /* NULL: absent */
  } cases[] = {
    {"", NULL, NULL, NULL},
    {"0914", "14", NULL, ""},
    {"091400", "14", NULL, "00"},
    {"0100", "00", NULL, NULL},
    {"19140837cbf3210017a2d3", "14", "37cbf3210017a2d3", ""},
    {"08", NULL, NULL, ""},
    {"1000", NULL, "", NULL},
    {"0dffffffffffff", "ffffffffff", NULL, "ff"},
  };
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint8_t v[64];
    size_t n = oscore_test_unhex(cases[i].hex, v, sizeof(v));
    struct gkdc_oscore_option opt;
    enum gkdc_oscore_status st;

    st = gkdc_oscore_option_decode(v, n, &opt);
    if (st != GKDC_OSCORE_OK)
      fprintf(stderr, "\n  option %s: %s\n", cases[i].hex, gkdc_oscore_status_str(st));
    CU_ASSERT_EQUAL_FATAL(st, GKDC_OSCORE_OK);
    if (cases[i].piv) {
      CHECK_HEX(opt.piv.ptr, opt.piv.len, cases[i].piv);
    } else {
      CU_ASSERT_EQUAL(opt.piv.len, 0);
    }
    CU_ASSERT_EQUAL(opt.has_kid_context, cases[i].kid_context != NULL);
    if (cases[i].kid_context) {
      CHECK_HEX(opt.kid_context.ptr, opt.kid_context.len, cases[i].kid_context);
    }
    CU_ASSERT_EQUAL(opt.has_kid, cases[i].kid != NULL);
    if (cases[i].kid) {
      CHECK_HEX(opt.kid.ptr, opt.kid.len, cases[i].kid);
    }

    /* Encoding the decoded fields gives the same bytes back. */
    {
      uint8_t again[64];
      size_t len = 99;

      CU_ASSERT(gkdc_oscore_option_encode(&opt, again, sizeof(again), &len));
      CHECK_HEX(again, len, cases[i].hex);
    }
  }
}

static void test_option_decode_malformed(void)
{
  static const char *const cases[] = {
    "00",             /* flags all zero must be sent as an empty option */
    "20",             /* Group Flag bit, reserved in RFC 8613 */
    "40",             /* reserved */
    "80",             /* reserved */
    "e9",             /* reserved bits with k */
    "06000000000000", /* n = 6 is reserved */
    "07000000000000000000", /* n = 7 is reserved */
    "01",             /* n = 1 but no Partial IV byte */
    "05010203",       /* n = 5 but 3 bytes */
    "10",             /* h = 1 without the kid context length */
    "1102",           /* n = 1, h = 1: Partial IV present, length missing */
    "1005aabb",       /* kid context shorter than s = 5 */
    "1105",           /* s byte missing after Partial IV 05 */
    "011415",         /* trailing byte without k */
    "1001aabb",       /* trailing byte after the kid context without k */
  };
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint8_t v[32];
    size_t n = oscore_test_unhex(cases[i], v, sizeof(v));
    struct gkdc_oscore_option opt;
    enum gkdc_oscore_status st = gkdc_oscore_option_decode(v, n, &opt);

    if (st != GKDC_OSCORE_ERR_BAD_OPTION)
      fprintf(stderr, "\n  malformed option %s accepted (%s)\n", cases[i],
              gkdc_oscore_status_str(st));
    CU_ASSERT_EQUAL(st, GKDC_OSCORE_ERR_BAD_OPTION);
  }
}

/* The decoder never reads past the value: every prefix of a valid option
 * is either valid or BAD_OPTION, checked on an exact-size heap copy (with
 * AddressSanitizer this catches any overread). */
static void test_option_decode_prefixes(void)
{
  uint8_t v[32];
  size_t n = oscore_test_unhex("1d05080102030405060708aabbccdd", v, sizeof(v));
  size_t len;

  for (len = 0; len <= n; len++) {
    uint8_t *copy = malloc(len > 0 ? len : 1);
    struct gkdc_oscore_option opt;
    enum gkdc_oscore_status st;

    memcpy(copy, v, len);
    st = gkdc_oscore_option_decode(copy, len, &opt);
    CU_ASSERT(st == GKDC_OSCORE_OK || st == GKDC_OSCORE_ERR_BAD_OPTION);
    /* Flags, Partial IV, s and kid context take 11 bytes; with k set,
     * every longer prefix is valid with a shorter kid. */
    if (len > 0 && len < 11) {
      CU_ASSERT_EQUAL(st, GKDC_OSCORE_ERR_BAD_OPTION);
    } else {
      CU_ASSERT_EQUAL(st, GKDC_OSCORE_OK);
    }
    free(copy);
  }
}

static void test_error_responses(void)
{
  static const struct {
    enum gkdc_oscore_status status;
    uint8_t code;
    const char *diag;
  } cases[] = {
    {GKDC_OSCORE_ERR_BAD_OPTION, GKDC_CODE(4, 2), "Failed to decode COSE"},
    {GKDC_OSCORE_ERR_NO_CONTEXT, GKDC_CODE(4, 1), "Security context not found"},
    {GKDC_OSCORE_ERR_REPLAY, GKDC_CODE(4, 1), "Replay detected"},
    {GKDC_OSCORE_ERR_UNSYNCED, GKDC_CODE(4, 1), "Replay detected"},
    {GKDC_OSCORE_ERR_DECRYPT, GKDC_CODE(4, 0), "Decryption failed"},
  };
  uint8_t code;
  const char *diag;
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    CU_ASSERT_FATAL(gkdc_oscore_error_response(cases[i].status, &code, &diag));
    CU_ASSERT_EQUAL(code, cases[i].code);
    CU_ASSERT_STRING_EQUAL(diag, cases[i].diag);
  }
  CU_ASSERT_FALSE(gkdc_oscore_error_response(GKDC_OSCORE_OK, &code, &diag));
  CU_ASSERT_FALSE(gkdc_oscore_error_response(GKDC_OSCORE_ERR_BUFFER, &code, &diag));
}

/* ---- CoAP serialization ---- */

static void test_option_values_with_ff(void)
{
  /* Options whose values contain 0xff bytes, then a payload: the parser
   * must take 0xff as the payload marker only at an option boundary. */
  struct gkdc_coap_msg msg, back;
  uint8_t etag[4] = {0xff, 0xff, 0x00, 0xff};
  uint8_t path[1] = {0xff};
  uint8_t query[13];
  uint8_t payload[2] = {0xff, 0xff};
  uint8_t wire[128];
  size_t len = 0;

  memset(query, 0xff, sizeof(query));
  memset(&msg, 0, sizeof(msg));
  msg.type = GKDC_COAP_CON;
  msg.code = GKDC_GET;
  msg.mid = 0xffff;
  msg.token_len = 1;
  msg.token[0] = 0xff;
  msg.options[0] = (struct gkdc_coap_option){GKDC_OPT_ETAG, {etag, sizeof(etag)}};
  msg.options[1] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {path, sizeof(path)}};
  msg.options[2] = (struct gkdc_coap_option){GKDC_OPT_URI_QUERY, {query, sizeof(query)}};
  msg.option_count = 3;
  msg.payload.ptr = payload;
  msg.payload.len = sizeof(payload);

  CU_ASSERT_FATAL(gkdc_oscore_msg_encode(&msg, wire, sizeof(wire), &len));
  CU_ASSERT_FATAL(gkdc_oscore_msg_decode(wire, len, &back));
  CU_ASSERT_EQUAL_FATAL(back.option_count, 3);
  CU_ASSERT_EQUAL(back.options[0].number, GKDC_OPT_ETAG);
  CHECK_HEX(back.options[0].value.ptr, back.options[0].value.len, "ffff00ff");
  CU_ASSERT_EQUAL(back.options[1].number, GKDC_OPT_URI_PATH);
  CHECK_HEX(back.options[1].value.ptr, back.options[1].value.len, "ff");
  CU_ASSERT_EQUAL(back.options[2].number, GKDC_OPT_URI_QUERY);
  CU_ASSERT_EQUAL(back.options[2].value.len, 13);
  CHECK_HEX(back.payload.ptr, back.payload.len, "ffff");
}

static void test_options_roundtrip_through_oscore(void)
{
  /* The same message survives protect and unprotect, 0xff bytes included. */
  struct gkdc_oscore_ctx *c = make_ctx(&tv2, 0);
  struct gkdc_oscore_ctx *s = make_ctx(&tv2, 1);
  struct gkdc_coap_msg msg, prot, inner;
  struct gkdc_oscore_request creq, sreq;
  uint8_t etag[3] = {0xff, 0x00, 0xff};
  uint8_t big[300];
  uint8_t buf[1024], inner_buf[1024], a[1024], b[1024];
  size_t alen, blen;

  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  memset(big, 0xff, sizeof(big));
  memset(&msg, 0, sizeof(msg));
  msg.type = GKDC_COAP_NON;
  msg.code = GKDC_PUT;
  msg.mid = 7;
  msg.options[0] = (struct gkdc_coap_option){GKDC_OPT_URI_HOST, {(const uint8_t *)"h", 1}};
  msg.options[1] = (struct gkdc_coap_option){GKDC_OPT_ETAG, {etag, 3}};
  msg.options[2] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {big, 20}};
  msg.options[3] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {big, 0}};
  msg.options[4] = (struct gkdc_coap_option){GKDC_OPT_CONTENT_FORMAT, {big, 2}};
  msg.options[5] = (struct gkdc_coap_option){2000, {big, 300}};
  msg.option_count = 6;
  msg.payload.ptr = big;
  msg.payload.len = 40;

  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(c, &msg, 0, &prot, buf, sizeof(buf), &creq),
                        GKDC_OSCORE_OK);
  /* Only Uri-Host and OSCORE stay outer. */
  CU_ASSERT_EQUAL(prot.option_count, 2);
  CU_ASSERT_EQUAL(prot.options[0].number, GKDC_OPT_URI_HOST);
  CU_ASSERT_EQUAL(prot.options[1].number, GKDC_OPT_OSCORE);
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_unprotect_request(s, &prot, &inner, inner_buf,
                                                      sizeof(inner_buf), &sreq),
                        GKDC_OSCORE_OK);
  CU_ASSERT_FATAL(gkdc_oscore_msg_encode(&msg, a, sizeof(a), &alen));
  CU_ASSERT_FATAL(gkdc_oscore_msg_encode(&inner, b, sizeof(b), &blen));
  CU_ASSERT_EQUAL(alen, blen);
  CU_ASSERT(alen == blen && memcmp(a, b, alen) == 0);

  gkdc_oscore_ctx_free(c);
  gkdc_oscore_ctx_free(s);
}

static void test_msg_decode_malformed(void)
{
  static const char *const cases[] = {
    "440100",                 /* shorter than the header */
    "04010000",               /* version 0 */
    "49010000",               /* token length 9 is reserved */
    "4201000001",             /* token shorter than TKL */
    "40010000ff",             /* payload marker without payload */
    "40010000f0",             /* option delta nibble 15 */
    "400100001f",             /* option length nibble 15 */
    "40010000d0",             /* extended delta byte missing */
    "40010000e001",           /* two-byte extended delta truncated */
    "4001000013aabb",         /* value shorter than its length */
    "40000000ff00",           /* empty message with bytes after the header */
    "41000000aa",             /* empty message with a token */
  };
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint8_t store[32];
    struct gkdc_coap_msg msg;
    int ok = parse_hex_msg(cases[i], store, sizeof(store), &msg);

    if (ok)
      fprintf(stderr, "\n  malformed message %s accepted\n", cases[i]);
    CU_ASSERT_FALSE(ok);
  }
}

/* ---- protect/unprotect rules ---- */

/* A client and server pair with a fresh exchange. */
struct pair {
  struct gkdc_oscore_ctx *c, *s;
  struct gkdc_oscore_request creq, sreq;
  uint8_t buf[512], inner_buf[512];
  struct gkdc_coap_msg prot, inner;
};

static void pair_open(struct pair *p)
{
  memset(p, 0, sizeof(*p));
  p->c = make_ctx(&tv2, 0);
  p->s = make_ctx(&tv2, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p->c);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p->s);
}

static void pair_close(struct pair *p)
{
  gkdc_oscore_ctx_free(p->c);
  gkdc_oscore_ctx_free(p->s);
}

static void simple_msg(struct gkdc_coap_msg *m, uint8_t code, uint16_t mid)
{
  memset(m, 0, sizeof(*m));
  m->type = GKDC_COAP_CON;
  m->code = code;
  m->mid = mid;
  m->token_len = 2;
  m->token[0] = 0xab;
  m->token[1] = (uint8_t)mid;
}

/* Client request through to the server; returns the server status. */
static enum gkdc_oscore_status send_request(struct pair *p, const struct gkdc_coap_msg *req)
{
  enum gkdc_oscore_status st;

  st = gkdc_oscore_protect_request(p->c, req, 0, &p->prot, p->buf, sizeof(p->buf), &p->creq);
  CU_ASSERT_EQUAL_FATAL(st, GKDC_OSCORE_OK);
  return gkdc_oscore_unprotect_request(p->s, &p->prot, &p->inner, p->inner_buf,
                                       sizeof(p->inner_buf), &p->sreq);
}

/* Server response through to the client; returns the client status. */
static enum gkdc_oscore_status send_response(struct pair *p, const struct gkdc_coap_msg *resp,
                                             enum gkdc_oscore_piv_mode mode,
                                             struct gkdc_coap_msg *out)
{
  struct gkdc_coap_msg prot;
  uint8_t buf[512];
  static uint8_t inner_buf[512];
  enum gkdc_oscore_status st;

  st = gkdc_oscore_protect_response(p->s, resp, mode, &prot, buf, sizeof(buf), &p->sreq);
  CU_ASSERT_EQUAL_FATAL(st, GKDC_OSCORE_OK);
  return gkdc_oscore_unprotect_response(p->c, &prot, out, inner_buf, sizeof(inner_buf),
                                        &p->creq);
}

static void test_request_nonce_reused_once(void)
{
  struct pair p;
  struct gkdc_coap_msg req, resp, out;
  uint8_t buf[256];
  struct gkdc_coap_msg prot1, prot2;
  const struct gkdc_coap_option *o;

  pair_open(&p);
  simple_msg(&req, GKDC_GET, 1);
  CU_ASSERT_EQUAL_FATAL(send_request(&p, &req), GKDC_OSCORE_OK);

  simple_msg(&resp, GKDC_CODE(2, 5), 1);
  resp.type = GKDC_COAP_ACK;
  CU_ASSERT_EQUAL(gkdc_oscore_protect_response(p.s, &resp, GKDC_OSCORE_PIV_AUTO, &prot1, buf,
                                               sizeof(buf), &p.sreq),
                  GKDC_OSCORE_OK);
  o = gkdc_oscore_msg_find(&prot1, GKDC_OPT_OSCORE);
  CU_ASSERT_PTR_NOT_NULL_FATAL(o);
  CU_ASSERT_EQUAL(o->value.len, 0);
  CU_ASSERT_EQUAL(p.s->ssn, 0);

  /* A second response to the same request takes a Partial IV. */
  CU_ASSERT_EQUAL(gkdc_oscore_protect_response(p.s, &resp, GKDC_OSCORE_PIV_AUTO, &prot2, buf,
                                               sizeof(buf), &p.sreq),
                  GKDC_OSCORE_OK);
  o = gkdc_oscore_msg_find(&prot2, GKDC_OPT_OSCORE);
  CU_ASSERT_PTR_NOT_NULL_FATAL(o);
  CHECK_HEX(o->value.ptr, o->value.len, "0100");
  CU_ASSERT_EQUAL(p.s->ssn, 1);

  /* And the client accepts a response (with Partial IV) once. */
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_response(p.c, &prot2, &out, p.inner_buf,
                                                 sizeof(p.inner_buf), &p.creq),
                  GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL(out.code, GKDC_CODE(2, 5));
  pair_close(&p);
}

static void test_empty_ack_never_protected(void)
{
  struct pair p;
  struct gkdc_coap_msg req, ack, prot;
  uint8_t buf[128];

  pair_open(&p);
  simple_msg(&req, GKDC_GET, 2);
  CU_ASSERT_EQUAL_FATAL(send_request(&p, &req), GKDC_OSCORE_OK);
  memset(&ack, 0, sizeof(ack));
  ack.type = GKDC_COAP_ACK;
  ack.mid = 2;
  CU_ASSERT_EQUAL(gkdc_oscore_protect_response(p.s, &ack, GKDC_OSCORE_PIV_AUTO, &prot, buf,
                                               sizeof(buf), &p.sreq),
                  GKDC_OSCORE_ERR_INVALID);
  CU_ASSERT_EQUAL(gkdc_oscore_response_classify(&ack), GKDC_OSCORE_RESPONSE_EMPTY);
  CU_ASSERT_EQUAL(p.sreq.nonce_used, 0);
  pair_close(&p);
}

static void test_response_classify(void)
{
  static const struct {
    uint8_t code;
    enum gkdc_oscore_response_kind kind;
  } cases[] = {
    {0, GKDC_OSCORE_RESPONSE_EMPTY},
    {GKDC_CODE(4, 0), GKDC_OSCORE_RESPONSE_OSCORE_ERROR},
    {GKDC_CODE(4, 1), GKDC_OSCORE_RESPONSE_OSCORE_ERROR},
    {GKDC_CODE(4, 2), GKDC_OSCORE_RESPONSE_OSCORE_ERROR},
    {GKDC_CODE(4, 3), GKDC_OSCORE_RESPONSE_DROP},
    {GKDC_CODE(4, 4), GKDC_OSCORE_RESPONSE_DROP},
    {GKDC_CODE(2, 5), GKDC_OSCORE_RESPONSE_DROP},
    {GKDC_CODE(5, 0), GKDC_OSCORE_RESPONSE_DROP},
  };
  struct gkdc_coap_msg m;
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    simple_msg(&m, cases[i].code, 1);
    CU_ASSERT_EQUAL(gkdc_oscore_response_classify(&m), cases[i].kind);
  }
  simple_msg(&m, GKDC_CODE(2, 4), 1);
  m.options[0] = (struct gkdc_coap_option){GKDC_OPT_OSCORE, {NULL, 0}};
  m.option_count = 1;
  CU_ASSERT_EQUAL(gkdc_oscore_response_classify(&m), GKDC_OSCORE_RESPONSE_PROTECTED);
}

static void test_observe_notifications(void)
{
  struct pair p;
  struct gkdc_coap_msg req, note, out, prot;
  uint8_t obs_value[1] = {7};
  uint8_t buf[256];
  const struct gkdc_coap_option *o;
  size_t i;

  pair_open(&p);
  simple_msg(&req, GKDC_GET, 3);
  req.options[0] = (struct gkdc_coap_option){GKDC_OPT_OBSERVE, {NULL, 0}};
  req.option_count = 1;
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(p.c, &req, 0, &p.prot, p.buf,
                                                    sizeof(p.buf), &p.creq),
                        GKDC_OSCORE_OK);
  /* Outer FETCH with an outer Observe for proxies. */
  CU_ASSERT_EQUAL(p.prot.code, GKDC_FETCH);
  CU_ASSERT_PTR_NOT_NULL(gkdc_oscore_msg_find(&p.prot, GKDC_OPT_OBSERVE));
  CU_ASSERT(p.creq.observe);
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_unprotect_request(p.s, &p.prot, &p.inner, p.inner_buf,
                                                      sizeof(p.inner_buf), &p.sreq),
                        GKDC_OSCORE_OK);
  CU_ASSERT(p.sreq.observe);

  /* Every notification carries its own Partial IV; the first too. */
  simple_msg(&note, GKDC_CODE(2, 5), 3);
  note.options[0] = (struct gkdc_coap_option){GKDC_OPT_OBSERVE, {obs_value, 1}};
  note.option_count = 1;
  note.payload.ptr = (const uint8_t *)"v";
  note.payload.len = 1;
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_response(p.s, &note, GKDC_OSCORE_PIV_AUTO, &prot,
                                                     buf, sizeof(buf), &p.sreq),
                        GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL(prot.code, GKDC_CODE(2, 5));
  o = gkdc_oscore_msg_find(&prot, GKDC_OPT_OSCORE);
  CU_ASSERT_PTR_NOT_NULL_FATAL(o);
  CHECK_HEX(o->value.ptr, o->value.len, "0100");
  o = gkdc_oscore_msg_find(&prot, GKDC_OPT_OBSERVE);
  CU_ASSERT_PTR_NOT_NULL_FATAL(o);
  CHECK_HEX(o->value.ptr, o->value.len, "07");
  CU_ASSERT_EQUAL(p.sreq.nonce_used, 0);

  /* Keep the first notification to replay it later. */
  {
    uint8_t first_wire[256], first_store[256];
    size_t first_len;
    struct gkdc_coap_msg first;

    CU_ASSERT_FATAL(gkdc_oscore_msg_encode(&prot, first_wire, sizeof(first_wire), &first_len));
    memcpy(first_store, first_wire, first_len);
    CU_ASSERT_FATAL(gkdc_oscore_msg_decode(first_store, first_len, &first));
    CU_ASSERT_EQUAL_FATAL(gkdc_oscore_unprotect_response(p.c, &first, &out, p.inner_buf,
                                                         sizeof(p.inner_buf), &p.creq),
                          GKDC_OSCORE_OK);
    o = gkdc_oscore_msg_find(&out, GKDC_OPT_OBSERVE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CHECK_HEX(o->value.ptr, o->value.len, "000000");

    /* Two more notifications, then the first one again: too old. */
    for (i = 0; i < 2; i++) {
      CU_ASSERT_EQUAL(send_response(&p, &note, GKDC_OSCORE_PIV_AUTO, &out), GKDC_OSCORE_OK);
    }
    o = gkdc_oscore_msg_find(&out, GKDC_OPT_OBSERVE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CHECK_HEX(o->value.ptr, o->value.len, "000002");
    CU_ASSERT_EQUAL(p.creq.notification_number, 2);
    CU_ASSERT_EQUAL(gkdc_oscore_unprotect_response(p.c, &first, &out, p.inner_buf,
                                                   sizeof(p.inner_buf), &p.creq),
                    GKDC_OSCORE_ERR_RESPONSE);
  }

  /* A notification to a request that did not register is refused. */
  {
    struct pair q;

    pair_open(&q);
    simple_msg(&req, GKDC_GET, 4);
    CU_ASSERT_EQUAL_FATAL(send_request(&q, &req), GKDC_OSCORE_OK);
    CU_ASSERT_EQUAL(gkdc_oscore_protect_response(q.s, &note, GKDC_OSCORE_PIV_AUTO, &prot, buf,
                                                 sizeof(buf), &q.sreq),
                    GKDC_OSCORE_ERR_INVALID);
    pair_close(&q);
  }
  pair_close(&p);
}

static void test_unsolicited_inner_observe_dropped(void)
{
  /* The server context protects a notification for a registration, but
   * the client bound the request as a plain GET: the client drops it. */
  struct pair p;
  struct gkdc_coap_msg req, note, out;

  pair_open(&p);
  simple_msg(&req, GKDC_GET, 5);
  CU_ASSERT_EQUAL_FATAL(send_request(&p, &req), GKDC_OSCORE_OK);
  p.sreq.observe = 1;
  simple_msg(&note, GKDC_CODE(2, 5), 5);
  note.options[0] = (struct gkdc_coap_option){GKDC_OPT_OBSERVE, {NULL, 0}};
  note.option_count = 1;
  CU_ASSERT_EQUAL(send_response(&p, &note, GKDC_OSCORE_PIV_AUTO, &out),
                  GKDC_OSCORE_ERR_RESPONSE);
  pair_close(&p);
}

static void test_tampering_detected(void)
{
  struct pair p;
  struct gkdc_coap_msg req;
  uint8_t *ct;

  pair_open(&p);
  simple_msg(&req, GKDC_POST, 6);
  req.payload.ptr = (const uint8_t *)"hello";
  req.payload.len = 5;
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(p.c, &req, 0, &p.prot, p.buf,
                                                    sizeof(p.buf), &p.creq),
                        GKDC_OSCORE_OK);
  ct = (uint8_t *)p.prot.payload.ptr;
  ct[0] ^= 1;
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_request(p.s, &p.prot, &p.inner, p.inner_buf,
                                                sizeof(p.inner_buf), &p.sreq),
                  GKDC_OSCORE_ERR_DECRYPT);
  /* A failed request leaves the window untouched: the genuine one passes. */
  CU_ASSERT_EQUAL(p.s->replay.state, GKDC_OSCORE_REPLAY_EMPTY);
  ct[0] ^= 1;
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_request(p.s, &p.prot, &p.inner, p.inner_buf,
                                                sizeof(p.inner_buf), &p.sreq),
                  GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL(p.inner.code, GKDC_POST);
  CHECK_HEX(p.inner.payload.ptr, p.inner.payload.len, "68656c6c6f");
  pair_close(&p);
}

static void test_request_shapes_rejected(void)
{
  struct pair p;
  struct gkdc_coap_msg req, m;
  uint8_t opt_bad[1] = {0x80};
  uint8_t opt_no_kid[2] = {0x01, 0x00};
  uint8_t opt_other_kid[3] = {0x09, 0x00, 0x07};

  pair_open(&p);
  simple_msg(&req, GKDC_GET, 8);
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(p.c, &req, 0, &p.prot, p.buf,
                                                    sizeof(p.buf), &p.creq),
                        GKDC_OSCORE_OK);

  /* Not an OSCORE message at all. */
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_request(p.s, &req, &p.inner, p.inner_buf,
                                                sizeof(p.inner_buf), &p.sreq),
                  GKDC_OSCORE_ERR_NOT_PROTECTED);

  /* Reserved flag bits, a missing kid, another kid, no ciphertext. */
  m = p.prot;
  m.options[0].value.ptr = opt_bad;
  m.options[0].value.len = 1;
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_request(p.s, &m, &p.inner, p.inner_buf,
                                                sizeof(p.inner_buf), &p.sreq),
                  GKDC_OSCORE_ERR_BAD_OPTION);
  m.options[0].value.ptr = opt_no_kid;
  m.options[0].value.len = 2;
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_request(p.s, &m, &p.inner, p.inner_buf,
                                                sizeof(p.inner_buf), &p.sreq),
                  GKDC_OSCORE_ERR_BAD_OPTION);
  m.options[0].value.ptr = opt_other_kid;
  m.options[0].value.len = 3;
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_request(p.s, &m, &p.inner, p.inner_buf,
                                                sizeof(p.inner_buf), &p.sreq),
                  GKDC_OSCORE_ERR_NO_CONTEXT);
  m = p.prot;
  m.payload.len = 0;
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_request(p.s, &m, &p.inner, p.inner_buf,
                                                sizeof(p.inner_buf), &p.sreq),
                  GKDC_OSCORE_ERR_BAD_OPTION);
  m.payload.len = 5; /* shorter than the tag plus the code byte */
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_request(p.s, &m, &p.inner, p.inner_buf,
                                                sizeof(p.inner_buf), &p.sreq),
                  GKDC_OSCORE_ERR_BAD_OPTION);

  /* Output buffer too small. */
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_request(p.s, &p.prot, &p.inner, p.inner_buf, 4,
                                                &p.sreq),
                  GKDC_OSCORE_ERR_BUFFER);
  CU_ASSERT_EQUAL(p.s->replay.state, GKDC_OSCORE_REPLAY_EMPTY);
  pair_close(&p);
}

static void test_nested_oscore_rejected(void)
{
  /* A plaintext that itself carries an OSCORE option is not processed. */
  struct pair p;
  struct gkdc_coap_msg req;
  uint8_t plain_code = GKDC_GET;
  uint8_t nonce[13], piv[5], aad[64], ct[64], pt[8];
  size_t piv_len, aad_len, ct_len = sizeof(ct);
  uint8_t opt[3];
  enum gkdc_oscore_status st;

  pair_open(&p);
  piv_len = gkdc_oscore_piv_encode(0, piv);
  CU_ASSERT_FATAL(gkdc_oscore_nonce(p.c, p.c->sender_id, p.c->sender_id_len, piv, piv_len,
                                    nonce));
  CU_ASSERT_FATAL(gkdc_oscore_aad_encode(10, p.c->sender_id, p.c->sender_id_len, piv, piv_len,
                                         aad, sizeof(aad), &aad_len));
  pt[0] = plain_code;
  pt[1] = 0x90; /* option 9 (OSCORE), empty */
  CU_ASSERT_FATAL(gkdc_crypto_aead_seal(cx, 10, p.c->sender_key, 16, nonce, 13, aad, aad_len,
                                        pt, 2, ct, &ct_len));
  opt[0] = 0x09;
  opt[1] = piv[0];
  opt[2] = p.c->sender_id[0];
  simple_msg(&req, GKDC_POST, 9);
  req.options[0] = (struct gkdc_coap_option){GKDC_OPT_OSCORE, {opt, 3}};
  req.option_count = 1;
  req.payload.ptr = ct;
  req.payload.len = ct_len;
  st = gkdc_oscore_unprotect_request(p.s, &req, &p.inner, p.inner_buf, sizeof(p.inner_buf),
                                     &p.sreq);
  CU_ASSERT_EQUAL(st, GKDC_OSCORE_ERR_BAD_INNER);
  pair_close(&p);
}

static void test_sequence_number_exhausted(void)
{
  struct pair p;
  struct gkdc_coap_msg req, resp, prot;
  uint8_t buf[256];

  pair_open(&p);
  simple_msg(&req, GKDC_GET, 10);
  p.c->ssn = GKDC_OSCORE_MAX_SSN;
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(p.c, &req, 0, &p.prot, p.buf,
                                                    sizeof(p.buf), &p.creq),
                        GKDC_OSCORE_OK);
  CHECK_HEX(p.creq.piv, p.creq.piv_len, "ffffffffff");
  CU_ASSERT_EQUAL(gkdc_oscore_protect_request(p.c, &req, 0, &prot, buf, sizeof(buf), &p.creq),
                  GKDC_OSCORE_ERR_SEQ_EXHAUSTED);
  CU_ASSERT_EQUAL(p.c->ssn, GKDC_OSCORE_MAX_SSN + 1);

  /* The server accepts the last number, but cannot answer with its own
   * Partial IV once its numbers are used up; the request nonce still
   * serves one response. */
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_unprotect_request(p.s, &p.prot, &p.inner, p.inner_buf,
                                                      sizeof(p.inner_buf), &p.sreq),
                        GKDC_OSCORE_OK);
  p.s->ssn = GKDC_OSCORE_MAX_SSN + 1;
  simple_msg(&resp, GKDC_CODE(2, 5), 10);
  CU_ASSERT_EQUAL(gkdc_oscore_protect_response(p.s, &resp, GKDC_OSCORE_PIV_OWN, &prot, buf,
                                               sizeof(buf), &p.sreq),
                  GKDC_OSCORE_ERR_SEQ_EXHAUSTED);
  CU_ASSERT_EQUAL(gkdc_oscore_protect_response(p.s, &resp, GKDC_OSCORE_PIV_AUTO, &prot, buf,
                                               sizeof(buf), &p.sreq),
                  GKDC_OSCORE_OK);
  pair_close(&p);
}

static void test_sequence_number_persistence(void)
{
  struct pair p;
  struct gkdc_coap_msg req;
  uint64_t bound = 0;
  int i;

  pair_open(&p);
  simple_msg(&req, GKDC_GET, 11);

  /* Enabled: nothing may be sent before the first bound is persisted. */
  CU_ASSERT_FATAL(gkdc_oscore_ssn_enable(p.c, 10));
  CU_ASSERT_EQUAL(gkdc_oscore_protect_request(p.c, &req, 0, &p.prot, p.buf, sizeof(p.buf),
                                              &p.creq),
                  GKDC_OSCORE_ERR_SEQ_PERSIST);
  CU_ASSERT(gkdc_oscore_ssn_wanted(p.c, &bound));
  CU_ASSERT_EQUAL(bound, 10);
  CU_ASSERT(gkdc_oscore_ssn_persisted(p.c, bound));
  CU_ASSERT_FALSE(gkdc_oscore_ssn_wanted(p.c, &bound));

  /* Numbers 0..9 are covered; a new bound is requested below K/2 left. */
  for (i = 0; i < 5; i++)
    CU_ASSERT_EQUAL(gkdc_oscore_protect_request(p.c, &req, 0, &p.prot, p.buf, sizeof(p.buf),
                                                &p.creq),
                    GKDC_OSCORE_OK);
  CU_ASSERT_FALSE(gkdc_oscore_ssn_wanted(p.c, &bound));
  CU_ASSERT_EQUAL(gkdc_oscore_protect_request(p.c, &req, 0, &p.prot, p.buf, sizeof(p.buf),
                                              &p.creq),
                  GKDC_OSCORE_OK);
  CU_ASSERT(gkdc_oscore_ssn_wanted(p.c, &bound));
  CU_ASSERT_EQUAL(bound, 16);
  for (i = 0; i < 4; i++)
    CU_ASSERT_EQUAL(gkdc_oscore_protect_request(p.c, &req, 0, &p.prot, p.buf, sizeof(p.buf),
                                                &p.creq),
                    GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL(p.c->ssn, 10);
  CU_ASSERT_EQUAL(gkdc_oscore_protect_request(p.c, &req, 0, &p.prot, p.buf, sizeof(p.buf),
                                              &p.creq),
                  GKDC_OSCORE_ERR_SEQ_PERSIST);
  CU_ASSERT_EQUAL(p.c->ssn, 10);

  /* A bound below the one persisted before would shrink the promise. */
  CU_ASSERT(gkdc_oscore_ssn_persisted(p.c, 20));
  CU_ASSERT_FALSE(gkdc_oscore_ssn_persisted(p.c, 16));
  CU_ASSERT_EQUAL(gkdc_oscore_protect_request(p.c, &req, 0, &p.prot, p.buf, sizeof(p.buf),
                                              &p.creq),
                  GKDC_OSCORE_OK);

  /* Restart with stored bound 20: continue at 20 once 30 is persisted. */
  CU_ASSERT_FATAL(gkdc_oscore_ssn_restore(p.c, 20, 10));
  CU_ASSERT_EQUAL(p.c->ssn, 20);
  CU_ASSERT_EQUAL(gkdc_oscore_protect_request(p.c, &req, 0, &p.prot, p.buf, sizeof(p.buf),
                                              &p.creq),
                  GKDC_OSCORE_ERR_SEQ_PERSIST);
  CU_ASSERT(gkdc_oscore_ssn_wanted(p.c, &bound));
  CU_ASSERT_EQUAL(bound, 30);
  CU_ASSERT(gkdc_oscore_ssn_persisted(p.c, bound));
  CU_ASSERT_EQUAL(gkdc_oscore_protect_request(p.c, &req, 0, &p.prot, p.buf, sizeof(p.buf),
                                              &p.creq),
                  GKDC_OSCORE_OK);
  CHECK_HEX(p.creq.piv, p.creq.piv_len, "14");

  /* A bound past the maximum leaves the context exhausted. */
  CU_ASSERT_FATAL(gkdc_oscore_ssn_restore(p.c, GKDC_OSCORE_MAX_SSN + 1, 10));
  CU_ASSERT(gkdc_oscore_ssn_wanted(p.c, &bound));
  CU_ASSERT(gkdc_oscore_ssn_persisted(p.c, bound));
  CU_ASSERT_EQUAL(gkdc_oscore_protect_request(p.c, &req, 0, &p.prot, p.buf, sizeof(p.buf),
                                              &p.creq),
                  GKDC_OSCORE_ERR_SEQ_EXHAUSTED);
  CU_ASSERT_FALSE(gkdc_oscore_ssn_restore(p.c, GKDC_OSCORE_MAX_SSN + 2, 10));
  pair_close(&p);
}

static void test_replay_lost_then_resync(void)
{
  static const uint8_t challenge[GKDC_OSCORE_ECHO_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
  struct pair p;
  struct gkdc_coap_msg req, echo_resp, prot, out;
  struct gkdc_oscore_replay saved;
  uint8_t buf[256];
  const struct gkdc_coap_option *o;

  pair_open(&p);
  simple_msg(&req, GKDC_GET, 12);
  CU_ASSERT_EQUAL_FATAL(send_request(&p, &req), GKDC_OSCORE_OK);

  /* The server restarts without an exact window. */
  gkdc_oscore_replay_export(&p.s->replay, &saved);
  CU_ASSERT_FATAL(gkdc_oscore_replay_restore(&p.s->replay, &saved, 0));

  /* The next request verifies but is not known to be fresh, and without an
   * open challenge it cannot resynchronize the window. */
  CU_ASSERT_EQUAL(send_request(&p, &req), GKDC_OSCORE_ERR_UNSYNCED);
  CU_ASSERT_EQUAL(p.inner.code, GKDC_GET);
  CU_ASSERT_EQUAL(p.s->replay.state, GKDC_OSCORE_REPLAY_UNSYNCED);
  CU_ASSERT_EQUAL(gkdc_oscore_echo_resync(p.s, &p.inner, &p.sreq), GKDC_OSCORE_ERR_UNSYNCED);
  CU_ASSERT_FALSE(gkdc_oscore_echo_response(p.s, &p.inner, &echo_resp));

  /* The server answers a protected 4.01 with Echo and its own Partial IV. */
  gkdc_oscore_echo_set(p.s, challenge);
  CU_ASSERT_FATAL(gkdc_oscore_echo_response(p.s, &p.inner, &echo_resp));
  CU_ASSERT_EQUAL(echo_resp.type, GKDC_COAP_ACK);
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_response(p.s, &echo_resp, GKDC_OSCORE_PIV_OWN,
                                                     &prot, buf, sizeof(buf), &p.sreq),
                        GKDC_OSCORE_OK);
  o = gkdc_oscore_msg_find(&prot, GKDC_OPT_ECHO);
  CU_ASSERT_PTR_NULL(o); /* Echo is class E: inside the ciphertext */
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_unprotect_response(p.c, &prot, &out, p.inner_buf,
                                                       sizeof(p.inner_buf), &p.creq),
                        GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL(out.code, GKDC_CODE(4, 1));
  o = gkdc_oscore_msg_find(&out, GKDC_OPT_ECHO);
  CU_ASSERT_PTR_NOT_NULL_FATAL(o);
  CHECK_HEX(o->value.ptr, o->value.len, "0102030405060708");

  /* A request with a wrong Echo value stays unsynchronized. */
  req.options[0] = (struct gkdc_coap_option){GKDC_OPT_ECHO, {challenge, 7}};
  req.option_count = 1;
  CU_ASSERT_EQUAL(send_request(&p, &req), GKDC_OSCORE_ERR_UNSYNCED);
  CU_ASSERT_EQUAL(gkdc_oscore_echo_resync(p.s, &p.inner, &p.sreq), GKDC_OSCORE_ERR_UNSYNCED);

  /* The client repeats the value: its Partial IV (3) becomes the lower
   * limit of the window, and the challenge is used up. */
  req.options[0].value.len = GKDC_OSCORE_ECHO_LEN;
  CU_ASSERT_EQUAL(send_request(&p, &req), GKDC_OSCORE_ERR_UNSYNCED);
  CHECK_HEX(p.sreq.piv, p.sreq.piv_len, "03");
  CU_ASSERT_EQUAL(gkdc_oscore_echo_resync(p.s, &p.inner, &p.sreq), GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL(p.s->replay.state, GKDC_OSCORE_REPLAY_ACTIVE);
  CU_ASSERT_FALSE(p.s->echo_set);
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_request(p.s, &p.prot, &p.inner, p.inner_buf,
                                                sizeof(p.inner_buf), &p.sreq),
                  GKDC_OSCORE_ERR_REPLAY);
  CU_ASSERT_EQUAL(gkdc_oscore_replay_check(&p.s->replay, 2), GKDC_OSCORE_REPLAY_REPLAY);
  CU_ASSERT_EQUAL(send_request(&p, &req), GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL(gkdc_oscore_echo_resync(p.s, &p.inner, &p.sreq), GKDC_OSCORE_ERR_INVALID);
  pair_close(&p);
}

static void test_response_cache(void)
{
  struct pair p;
  struct gkdc_coap_msg req, resp, prot, other;
  uint8_t buf[256], wire[256];
  size_t wire_len;
  const uint8_t *cached;
  size_t cached_len;

  pair_open(&p);
  simple_msg(&req, GKDC_GET, 0x1234);
  CU_ASSERT_EQUAL_FATAL(send_request(&p, &req), GKDC_OSCORE_OK);
  CU_ASSERT_FALSE(gkdc_oscore_cache_lookup(p.s, &p.prot, 1000, &cached, &cached_len));

  simple_msg(&resp, GKDC_CODE(2, 5), 0x1234);
  resp.type = GKDC_COAP_ACK;
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_response(p.s, &resp, GKDC_OSCORE_PIV_AUTO, &prot,
                                                     buf, sizeof(buf), &p.sreq),
                        GKDC_OSCORE_OK);
  CU_ASSERT_FATAL(gkdc_oscore_msg_encode(&prot, wire, sizeof(wire), &wire_len));
  CU_ASSERT_FATAL(gkdc_oscore_cache_store(p.s, &p.prot, 1000, wire, wire_len));

  /* The retransmission is answered from the cache, not as a replay. */
  CU_ASSERT_FATAL(gkdc_oscore_cache_lookup(p.s, &p.prot, 5000, &cached, &cached_len));
  CU_ASSERT_EQUAL(cached_len, wire_len);
  CU_ASSERT(memcmp(cached, wire, wire_len) == 0);
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_request(p.s, &p.prot, &p.inner, p.inner_buf,
                                                sizeof(p.inner_buf), &p.sreq),
                  GKDC_OSCORE_ERR_REPLAY);

  /* Another message ID or other bytes miss. */
  other = p.prot;
  other.mid++;
  CU_ASSERT_FALSE(gkdc_oscore_cache_lookup(p.s, &other, 5000, &cached, &cached_len));
  other = p.prot;
  other.payload.len--;
  CU_ASSERT_FALSE(gkdc_oscore_cache_lookup(p.s, &other, 5000, &cached, &cached_len));
  other = p.prot;
  other.type = GKDC_COAP_NON;
  CU_ASSERT_FALSE(gkdc_oscore_cache_lookup(p.s, &other, 5000, &cached, &cached_len));

  /* After EXCHANGE_LIFETIME the entry is gone. */
  CU_ASSERT_FALSE(gkdc_oscore_cache_lookup(p.s, &p.prot, 1000 + GKDC_OSCORE_CACHE_LIFETIME_MS + 1,
                                           &cached, &cached_len));

  /* More requests than entries: the oldest are replaced. */
  {
    uint16_t mid;

    for (mid = 1; mid <= GKDC_OSCORE_CACHE_ENTRIES + 2; mid++) {
      simple_msg(&req, GKDC_GET, mid);
      CU_ASSERT_EQUAL_FATAL(send_request(&p, &req), GKDC_OSCORE_OK);
      CU_ASSERT_FATAL(gkdc_oscore_cache_store(p.s, &p.prot, 10000 + mid, wire, wire_len));
    }
    CU_ASSERT(gkdc_oscore_cache_lookup(p.s, &p.prot, 20000, &cached, &cached_len));
  }
  pair_close(&p);
}

static void test_context_lookup(void)
{
  struct gkdc_oscore_ctxset *set = gkdc_oscore_ctxset_new();
  struct gkdc_oscore_ctx *found = NULL;
  struct gkdc_oscore_ctx *a, *b, *c3, *dup;
  uint8_t kid01[1] = {0x01};
  uint8_t kid00[1] = {0x00};
  uint8_t idc[8];
  size_t idc_len = oscore_test_unhex("37cbf3210017a2d3", idc, sizeof(idc));

  CU_ASSERT_PTR_NOT_NULL_FATAL(set);
  /* Server contexts: C.2 (recipient 00), C.1 and C.3 (recipient h''). */
  a = make_ctx(&tv2, 1);
  b = make_ctx(&tv1, 1);
  c3 = make_ctx(&tv3, 1);
  CU_ASSERT_FATAL(gkdc_oscore_ctxset_add(set, a));
  CU_ASSERT_FATAL(gkdc_oscore_ctxset_add(set, b));
  CU_ASSERT_FATAL(gkdc_oscore_ctxset_add(set, c3));
  dup = make_ctx(&tv1, 1);
  CU_ASSERT_FALSE(gkdc_oscore_ctxset_add(set, dup));
  gkdc_oscore_ctx_free(dup);
  CU_ASSERT_EQUAL(gkdc_oscore_ctxset_count(set), 3);

  CU_ASSERT_EQUAL(gkdc_oscore_ctxset_find(set, kid00, 1, 0, NULL, 0, &found), GKDC_OSCORE_OK);
  CU_ASSERT_PTR_EQUAL(found, a);
  CU_ASSERT_EQUAL(gkdc_oscore_ctxset_find(set, kid01, 1, 0, NULL, 0, &found),
                  GKDC_OSCORE_ERR_NO_CONTEXT);
  /* Empty kid without kid context: C.1 and C.3 both match. */
  CU_ASSERT_EQUAL(gkdc_oscore_ctxset_find(set, NULL, 0, 0, NULL, 0, &found),
                  GKDC_OSCORE_ERR_NO_CONTEXT);
  CU_ASSERT_EQUAL(gkdc_oscore_ctxset_find(set, NULL, 0, 1, idc, idc_len, &found),
                  GKDC_OSCORE_OK);
  CU_ASSERT_PTR_EQUAL(found, c3);
  CU_ASSERT_EQUAL(gkdc_oscore_ctxset_find(set, NULL, 0, 1, idc, idc_len - 1, &found),
                  GKDC_OSCORE_ERR_NO_CONTEXT);

  /* With C.3 gone, the empty kid is unique again. */
  CU_ASSERT(gkdc_oscore_ctxset_remove(set, c3));
  CU_ASSERT_EQUAL(gkdc_oscore_ctxset_find(set, NULL, 0, 0, NULL, 0, &found), GKDC_OSCORE_OK);
  CU_ASSERT_PTR_EQUAL(found, b);

  /* By request message: the C.4 wire bytes find C.1's server context. */
  {
    uint8_t store[128];
    struct gkdc_coap_msg wire;

    CU_ASSERT_FATAL(parse_hex_msg(tv_requests[0].protected_msg, store, sizeof(store), &wire));
    CU_ASSERT_EQUAL(gkdc_oscore_ctxset_find_for_request(set, &wire, &found), GKDC_OSCORE_OK);
    CU_ASSERT_PTR_EQUAL(found, b);
    wire.options[1].value.len = 1; /* n = 1 but the Partial IV cut off */
    CU_ASSERT_EQUAL(gkdc_oscore_ctxset_find_for_request(set, &wire, &found),
                    GKDC_OSCORE_ERR_BAD_OPTION);
  }
  gkdc_oscore_ctxset_free(set);
}

static void test_status_strings(void)
{
  int s;

  for (s = GKDC_OSCORE_OK; s <= GKDC_OSCORE_ERR_INVALID; s++)
    CU_ASSERT_STRING_NOT_EQUAL(gkdc_oscore_status_str((enum gkdc_oscore_status)s),
                               "unknown status");
  CU_ASSERT_STRING_EQUAL(gkdc_oscore_status_str((enum gkdc_oscore_status)999),
                         "unknown status");
}

/* ---- main ---- */

static const struct {
  const char *name;
  CU_TestFunc fn;
} tests[] = {
  {"info arrays C.1-C.3", test_info_arrays},
  {"derive C.1", test_derive_c1},
  {"derive C.2", test_derive_c2},
  {"derive C.3", test_derive_c3},
  {"nonces C.1-C.3", test_nonces},
  {"hkdf aliases and SHA-512", test_hkdf_aliases_sha512},
  {"context parameters rejected", test_ctx_params_rejected},
  {"ACE master salt", test_ace_master_salt},
  {"ACE derived context", test_ace_derived_context},
  {"ACE input material", test_ace_input_material},
  {"ACE example claims", test_ace_example_claims},
  {"ACE input material fields", test_ace_input_material_fields},
  {"ACE derive both ends", test_ace_derive_both_ends},
  {"ACE authz-info parse", test_ace_authz_info_parse},
  {"ACE authz-info response", test_ace_authz_info_response},
  {"ACE pick recipient ID", test_ace_pick_recipient_id},
  {"AAD", test_aad},
  {"vector C.4", test_vector_c4},
  {"vector C.5", test_vector_c5},
  {"vector C.6", test_vector_c6},
  {"vector C.7", test_vector_c7},
  {"vector C.8", test_vector_c8},
  {"vector C.8 nonce", test_vector_c8_nonce},
  {"Partial IV encoding", test_piv_encoding},
  {"replay window 32", test_replay_window_32},
  {"replay window 64", test_replay_window_64},
  {"replay restore", test_replay_restore},
  {"replay restore rejects garbage", test_replay_restore_rejects_garbage},
  {"replay state encoding", test_replay_encoding},
  {"option decode valid", test_option_decode_valid},
  {"option decode malformed", test_option_decode_malformed},
  {"option decode prefixes", test_option_decode_prefixes},
  {"error responses", test_error_responses},
  {"option values with 0xff", test_option_values_with_ff},
  {"options through OSCORE", test_options_roundtrip_through_oscore},
  {"message decode malformed", test_msg_decode_malformed},
  {"request nonce reused once", test_request_nonce_reused_once},
  {"empty ACK never protected", test_empty_ack_never_protected},
  {"response classify", test_response_classify},
  {"observe notifications", test_observe_notifications},
  {"unsolicited inner Observe", test_unsolicited_inner_observe_dropped},
  {"tampering detected", test_tampering_detected},
  {"request shapes rejected", test_request_shapes_rejected},
  {"nested OSCORE rejected", test_nested_oscore_rejected},
  {"sequence number exhausted", test_sequence_number_exhausted},
  {"sequence number persistence", test_sequence_number_persistence},
  {"replay lost then resync", test_replay_lost_then_resync},
  {"response cache", test_response_cache},
  {"context lookup", test_context_lookup},
  {"status strings", test_status_strings},
};

int main(void)
{
  CU_pSuite suite;
  unsigned failures;
  size_t i;

  cx = oscore_test_crypto();
  if (cx == NULL)
    return 1;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("oscore", NULL, NULL);
  if (suite == NULL)
    return 1;
  for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
    if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL)
      return 1;

  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
  CU_cleanup_registry();
  oscore_test_crypto_unload();
  return failures == 0 ? 0 : 1;
}
