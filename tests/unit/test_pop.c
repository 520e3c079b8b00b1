/*
 * Tests of the pop-sign plugin and of the PoP input builders of
 * <gkdc/pop.h>: the RFC 9594 PoP input example, EdDSA and ES256 evidence
 * (raw and DER), tampering, key mismatches and the Java-compatible DER
 * switch.
 *
 * Credentials come from the credfmt-ccs plugin, so the two plugins are
 * tested together as the KDC uses them.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <gkdc/credfmt.h>
#include <gkdc/crypto.h>
#include <gkdc/pop.h>

#include "test_pop_harness.h"

static struct harness_plugin ccs_plugin;
static struct harness_plugin sign_plugin;
static const struct gkdc_credfmt_ops *ccs;
static const struct gkdc_pop_ops *pop;

/* Ed25519 key pair and CCS of the Group OSCORE plugtest Group Manager. */
#define ED_D "d0a2ce11b2ba614b048903b72638ef4a3b0af56e1a60c6fb6706b0c1ad8a14fb"
#define CCS_ED25519 "a2026008a101a4010103272006215820" \
  "c6ec665e817bd064340e7c24bb93a11e8ec0735ce48790f9c458f7fa340b8ca3"

/* P-256 key pair and CCS, same source. */
#define JAVA_P256_D "4a7b844a4c97ef91ed232aa564c9d5d373f2099647f9e9bd3fe6417a0d0f91ad"
#define CCS_JAVA_P256 "a2026008a101a5010203262001215820" \
  "2236658ca675bb62d7b24623db0453a3b90533b7c3b221cc1c2c73c4e919d540225820" \
  "770916bc4c97c3c46604f430b06170c7b3d6062633756628c31180fa3bb65a1b"

/* RFC 9529 section 3 CRED_R (P-256) and its private key. */
#define R_D "72cc4761dbd4c78f758931aa589d348d1ef874a7e303ede2f140dcf3e6aa4aac"
#define CCS_RFC9529 "a2026b6578616d706c652e65647508a101a501020241322001215820" \
  "bbc34960526ea4d32e940cad2a234148ddc21791a12afbcbac93622046dd44f0225820" \
  "4519e257236b2a0ce2023f0931f1f386ca7afda64fcde0108c224c51eabf6072"

/* RFC 9594 section 4.3.1: the example scope, N_S, N_C and their PoP input. */
#define EX_SCOPE "826667726f7570316673656e646572"
#define EX_N_S "018a278f7faab55a"
#define EX_N_C "25a8991cd700ac01"
#define EX_INPUT "4f" EX_SCOPE "48" EX_N_S "48" EX_N_C
/* RFC 9594 section 4.3.1: the KDC's PoP input for N_C and N_KDC. */
#define EX_N_KDC "cef04b2aa791bc6d"
#define EX_KDC_INPUT "48" EX_N_C "48" EX_N_KDC

/*
 * Independent results for the example PoP input, computed with Python
 * cryptography 48.0.0 on OpenSSL 3.0.19. Ed25519 signatures are
 * deterministic, so create must reproduce the ones made with ED_D. The
 * SHA256withECDSA DER signatures made with JAVA_P256_D and R_D are
 * randomized, and verify must accept them in the Java-compatible mode.
 */
#define EX_ED25519_SIG "8be40122a969901f2e1084f4c55eba0162c77bd370ba407c120deab399686794" \
  "e83660d255f2db47b3398a1bcda58e422c335ffea7378147fcf566b1c6bdbe0f"
#define EX_KDC_ED25519_SIG "25eb2f8e7383f624cfcf168da5e56d8491155ada076ef405d2cac44b802b35f1" \
  "fd975f7bb378c34913d25610d2f2114a632244e618a602433bbdd193aa7faf0e"
#define EX_JAVA_P256_DER "3045022100f17b45f3704b938688fbb9ab3bd90313957d6dc58866905ba93d4cb4" \
  "12a1c44e022059e7a39accd70adf52586cc318c6de63fcfab96f3db38aa06ba876c9b7cafc52"
#define EX_R_DER "304602210092c8261a2750a939616f4139415822c6566a9c96dd9c952101a20afbe" \
  "81ed520022100cdf9669ce4680dbb9358fba72523c4f852105f58774c0efc318ddabfa2beba68"

/* A parsed credential with its private key. */
struct key_fixture {
  gkdc_cred *cred;
  const struct gkdc_cred_info *info;
  uint8_t priv[32];
  struct gkdc_pop_key key;
};

static struct key_fixture ed_key;
static struct key_fixture p256_key;
static struct key_fixture r_key;
static uint8_t ex_input[64];
static size_t ex_input_len;

static int fixture_load(struct key_fixture *f, const char *ccs_hex,
                        const char *d_hex)
{
  uint8_t buf[128];
  size_t len = harness_hex(ccs_hex, buf, sizeof(buf));
  int err = 0;

  if (!ccs->parse(ccs_plugin.state, buf, len, 0, &f->cred, &err))
    return 0;
  f->info = ccs->info_get0(ccs_plugin.state, f->cred);
  harness_hex(d_hex, f->priv, sizeof(f->priv));
  f->key.size = sizeof(f->key);
  f->key.cred = f->info;
  f->key.priv = f->priv;
  f->key.priv_len = sizeof(f->priv);
  return 1;
}

static int suite_init(void)
{
  if (!harness_setup())
    return 1;
  if (!harness_load("plugins/credfmt-ccs/.libs/credfmt-ccs.so",
                    GKDC_PLUGIN_CREDFMT, &ccs_plugin) ||
      !harness_load("plugins/pop-sign/.libs/pop-sign.so", GKDC_PLUGIN_POP,
                    &sign_plugin))
    return 1;
  ccs = ccs_plugin.desc->ops;
  pop = sign_plugin.desc->ops;
  if (!fixture_load(&ed_key, CCS_ED25519, ED_D) ||
      !fixture_load(&p256_key, CCS_JAVA_P256, JAVA_P256_D) ||
      !fixture_load(&r_key, CCS_RFC9529, R_D))
    return 1;
  ex_input_len = harness_hex(EX_INPUT, ex_input, sizeof(ex_input));
  return 0;
}

static int suite_clean(void)
{
  ccs->free(ccs_plugin.state, ed_key.cred);
  ccs->free(ccs_plugin.state, p256_key.cred);
  ccs->free(ccs_plugin.state, r_key.cred);
  harness_unload(&sign_plugin);
  harness_unload(&ccs_plugin);
  harness_teardown();
  return 0;
}

static struct gkdc_pop_params params_for(int32_t sign_alg, uint32_t flags)
{
  struct gkdc_pop_params p;

  memset(&p, 0, sizeof(p));
  p.size = sizeof(p);
  p.flags = flags;
  p.sign_alg = sign_alg;
  return p;
}

static struct gkdc_bytes view(const uint8_t *p, size_t len)
{
  struct gkdc_bytes b;

  b.ptr = p;
  b.len = len;
  return b;
}

static void test_table_keys(void)
{
  CU_ASSERT_STRING_EQUAL(pop->name, "sign");
  CU_ASSERT_STRING_EQUAL(pop->name, GKDC_POP_SIGN);
  CU_ASSERT(pop->size >= sizeof(struct gkdc_pop_ops));
}

static void test_input_rfc9594_client(void)
{
  uint8_t scope[32], n_s[8], n_c[8], want[64], out[64];
  size_t scope_len = harness_hex(EX_SCOPE, scope, sizeof(scope));
  size_t want_len = harness_hex(EX_INPUT, want, sizeof(want));
  size_t out_len = sizeof(out);

  harness_hex(EX_N_S, n_s, sizeof(n_s));
  harness_hex(EX_N_C, n_c, sizeof(n_c));
  CU_ASSERT_FATAL(gkdc_pop_input_client(view(scope, scope_len), view(n_s, 8),
                                        view(n_c, 8), out, &out_len) == 1);
  CU_ASSERT_EQUAL(out_len, 34);
  CU_ASSERT_EQUAL(out_len, want_len);
  CU_ASSERT(memcmp(out, want, want_len) == 0);

  /* One byte short: nothing is written. */
  memset(out, 0xaa, sizeof(out));
  out_len = want_len - 1;
  CU_ASSERT_EQUAL(gkdc_pop_input_client(view(scope, scope_len), view(n_s, 8),
                                        view(n_c, 8), out, &out_len), 0);
  CU_ASSERT_EQUAL(out[0], 0xaa);
}

static void test_input_rfc9594_kdc(void)
{
  uint8_t n_c[8], n_kdc[8], want[32], out[32];
  size_t want_len = harness_hex(EX_KDC_INPUT, want, sizeof(want));
  size_t out_len = sizeof(out);

  harness_hex(EX_N_C, n_c, sizeof(n_c));
  harness_hex(EX_N_KDC, n_kdc, sizeof(n_kdc));
  CU_ASSERT_FATAL(gkdc_pop_input_kdc(view(n_c, 8), view(n_kdc, 8), out,
                                     &out_len) == 1);
  CU_ASSERT_EQUAL(out_len, want_len);
  CU_ASSERT(memcmp(out, want, want_len) == 0);
}

static void test_input_long_heads(void)
{
  static uint8_t a[300];
  uint8_t out[400];
  size_t out_len = sizeof(out);

  memset(a, 0x5a, sizeof(a));
  /* 23 bytes: one-byte head; 24: 0x58 0x18; 300: 0x59 0x01 0x2c; 0: 0x40. */
  CU_ASSERT_FATAL(gkdc_pop_input_client(view(a, 23), view(a, 24), view(a, 0),
                                        out, &out_len) == 1);
  CU_ASSERT_EQUAL(out_len, 1 + 23 + 2 + 24 + 1);
  CU_ASSERT_EQUAL(out[0], 0x57);
  CU_ASSERT_EQUAL(out[24], 0x58);
  CU_ASSERT_EQUAL(out[25], 0x18);
  CU_ASSERT_EQUAL(out[50], 0x40);

  out_len = sizeof(out);
  CU_ASSERT_FATAL(gkdc_pop_input_kdc(view(a, 300), view(a, 8), out, &out_len) == 1);
  CU_ASSERT_EQUAL(out_len, 3 + 300 + 1 + 8);
  CU_ASSERT_EQUAL(out[0], 0x59);
  CU_ASSERT_EQUAL(out[1], 0x01);
  CU_ASSERT_EQUAL(out[2], 0x2c);
  CU_ASSERT_EQUAL(out[303], 0x48);
}

static void test_eddsa_known_answer(void)
{
  struct gkdc_pop_params prm = params_for(GKDC_COSE_ALG_EDDSA, 0);
  uint8_t want[64], ev[GKDC_POP_MAX_EVIDENCE_LEN], kdc_in[32];
  size_t ev_len = sizeof(ev);
  size_t kdc_in_len;
  int err = 0;

  harness_hex(EX_ED25519_SIG, want, sizeof(want));
  CU_ASSERT_FATAL(pop->create(sign_plugin.state, &prm, &ed_key.key, NULL,
                              ex_input, ex_input_len, ev, &ev_len, &err) == 1);
  CU_ASSERT_EQUAL(ev_len, 64);
  CU_ASSERT(memcmp(ev, want, 64) == 0);
  CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &prm, NULL, ed_key.info,
                              ex_input, ex_input_len, ev, ev_len, &err), 1);

  /* The KDC side: kdc_cred_verify over N_C | N_KDC. */
  kdc_in_len = harness_hex(EX_KDC_INPUT, kdc_in, sizeof(kdc_in));
  harness_hex(EX_KDC_ED25519_SIG, want, sizeof(want));
  ev_len = sizeof(ev);
  CU_ASSERT_FATAL(pop->create(sign_plugin.state, &prm, &ed_key.key, NULL,
                              kdc_in, kdc_in_len, ev, &ev_len, &err) == 1);
  CU_ASSERT(ev_len == 64 && memcmp(ev, want, 64) == 0);
}

/* Creates and verifies evidence with `f` under `flags`; returns its length. */
static size_t round_trip(struct key_fixture *f, int32_t alg, uint32_t flags,
                         uint8_t *ev)
{
  struct gkdc_pop_params prm = params_for(alg, flags);
  size_t ev_len = GKDC_POP_MAX_EVIDENCE_LEN;
  int err = 0;

  CU_ASSERT_FATAL(pop->create(sign_plugin.state, &prm, &f->key, NULL, ex_input,
                              ex_input_len, ev, &ev_len, &err) == 1);
  CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &prm, NULL, f->info, ex_input,
                              ex_input_len, ev, ev_len, &err), 1);
  return ev_len;
}

static void test_eddsa_round_trip(void)
{
  uint8_t ev[GKDC_POP_MAX_EVIDENCE_LEN];

  CU_ASSERT_EQUAL(round_trip(&ed_key, GKDC_COSE_ALG_EDDSA, 0, ev), 64);
  /* The DER switch has no effect on EdDSA, and -19 names the same scheme. */
  CU_ASSERT_EQUAL(round_trip(&ed_key, GKDC_COSE_ALG_EDDSA, GKDC_POP_F_ECDSA_DER, ev), 64);
  CU_ASSERT_EQUAL(round_trip(&ed_key, -19, 0, ev), 64);
}

static void test_es256_raw_round_trip(void)
{
  uint8_t ev[GKDC_POP_MAX_EVIDENCE_LEN];

  CU_ASSERT_EQUAL(round_trip(&p256_key, GKDC_COSE_ALG_ES256, 0, ev), 64);
  CU_ASSERT_EQUAL(round_trip(&r_key, GKDC_COSE_ALG_ES256, 0, ev), 64);
}

static void test_es256_der_round_trip(void)
{
  struct gkdc_pop_params raw_only = params_for(GKDC_COSE_ALG_ES256, 0);
  uint8_t ev[GKDC_POP_MAX_EVIDENCE_LEN];
  size_t ev_len = round_trip(&p256_key, GKDC_COSE_ALG_ES256,
                             GKDC_POP_F_ECDSA_DER, ev);
  int err = 0;

  CU_ASSERT(ev_len >= 8 && ev_len <= 72);
  CU_ASSERT_EQUAL(ev[0], 0x30);
  CU_ASSERT_EQUAL(ev[1], ev_len - 2);

  /* The default mode accepts raw r || s only. */
  CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &raw_only, NULL, p256_key.info,
                              ex_input, ex_input_len, ev, ev_len, &err), 0);
  CU_ASSERT_EQUAL(err, GKDC_POP_ERR_INVALID);
}

static void test_es256_compressed_key(void)
{
  /* The Java P-256 credential with y given as its sign bit (y ends in 0x1b,
   * odd, so true). */
  static const char *compressed = "a108a101a401022001215820"
    "2236658ca675bb62d7b24623db0453a3b90533b7c3b221cc1c2c73c4e919d540" "22f5";
  struct gkdc_pop_params prm = params_for(GKDC_COSE_ALG_ES256, 0);
  uint8_t buf[64], ev[GKDC_POP_MAX_EVIDENCE_LEN];
  size_t len = harness_hex(compressed, buf, sizeof(buf));
  size_t ev_len = round_trip(&p256_key, GKDC_COSE_ALG_ES256, 0, ev);
  gkdc_cred *cred = NULL;
  const struct gkdc_cred_info *info;
  int err = 0;

  CU_ASSERT_FATAL(ccs->parse(ccs_plugin.state, buf, len, 0, &cred, &err) == 1);
  info = ccs->info_get0(ccs_plugin.state, cred);
  CU_ASSERT_EQUAL(info->pub.len, 33);
  CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &prm, NULL, info, ex_input,
                              ex_input_len, ev, ev_len, &err), 1);

  /* The other sign bit names the other point, which does not verify. */
  buf[len - 1] = 0xf4;
  ccs->free(ccs_plugin.state, cred);
  cred = NULL;
  CU_ASSERT_FATAL(ccs->parse(ccs_plugin.state, buf, len, 0, &cred, &err) == 1);
  info = ccs->info_get0(ccs_plugin.state, cred);
  CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &prm, NULL, info, ex_input,
                              ex_input_len, ev, ev_len, &err), 0);
  ccs->free(ccs_plugin.state, cred);
}

static void test_der_mode_accepts_raw(void)
{
  struct gkdc_pop_params raw_only = params_for(GKDC_COSE_ALG_ES256, 0);
  struct gkdc_pop_params der = params_for(GKDC_COSE_ALG_ES256, GKDC_POP_F_ECDSA_DER);
  uint8_t ev[GKDC_POP_MAX_EVIDENCE_LEN];
  size_t ev_len = sizeof(ev);
  int err = 0;

  CU_ASSERT_FATAL(pop->create(sign_plugin.state, &raw_only, &r_key.key, NULL,
                              ex_input, ex_input_len, ev, &ev_len, &err) == 1);
  CU_ASSERT_EQUAL(ev_len, 64);
  CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &der, NULL, r_key.info,
                              ex_input, ex_input_len, ev, ev_len, &err), 1);
}

/*
 * Converts an independent DER signature to raw r || s by hand, so that the
 * raw path is checked against a signature gkdc did not produce.
 */
static int der_to_raw_by_hand(const uint8_t *der, size_t len, uint8_t raw[64])
{
  size_t pos = 2;
  int i;

  if (len < 8 || der[0] != 0x30 || der[1] != len - 2)
    return 0;
  for (i = 0; i < 2; i++) {
    size_t n;

    if (pos + 2 > len || der[pos] != 0x02)
      return 0;
    n = der[pos + 1];
    pos += 2;
    if (pos + n > len)
      return 0;
    while (n > 32 && der[pos] == 0) {
      pos++;
      n--;
    }
    if (n > 32)
      return 0;
    memset(raw + 32 * i, 0, 32 - n);
    memcpy(raw + 32 * i + 32 - n, der + pos, n);
    pos += n;
  }
  return pos == len;
}

static void test_java_der_evidence(void)
{
  struct gkdc_pop_params raw_only = params_for(GKDC_COSE_ALG_ES256, 0);
  struct gkdc_pop_params der = params_for(GKDC_COSE_ALG_ES256, GKDC_POP_F_ECDSA_DER);
  static const struct {
    const char *der_hex;
    struct key_fixture *key;
  } cases[] = { { EX_JAVA_P256_DER, &p256_key }, { EX_R_DER, &r_key } };
  size_t i;

  for (i = 0; i < 2; i++) {
    uint8_t ev[80], raw[64];
    size_t ev_len = harness_hex(cases[i].der_hex, ev, sizeof(ev));
    const struct gkdc_cred_info *who = cases[i].key->info;
    int err = 0;

    CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &der, NULL, who, ex_input,
                                ex_input_len, ev, ev_len, &err), 1);
    err = 0;
    CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &raw_only, NULL, who,
                                ex_input, ex_input_len, ev, ev_len, &err), 0);
    CU_ASSERT_EQUAL(err, GKDC_POP_ERR_INVALID);

    CU_ASSERT_FATAL(der_to_raw_by_hand(ev, ev_len, raw) == 1);
    CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &raw_only, NULL, who,
                                ex_input, ex_input_len, raw, 64, &err), 1);
  }
}

/* Flips each bit position class of the evidence and of the input. */
static void check_tampering(struct key_fixture *f, int32_t alg, uint32_t flags)
{
  struct gkdc_pop_params prm = params_for(alg, flags);
  uint8_t ev[GKDC_POP_MAX_EVIDENCE_LEN + 1]; /* room for one extra byte */
  uint8_t input[64];
  size_t ev_len = round_trip(f, alg, flags, ev);
  size_t i;
  int err;

  for (i = 0; i < ev_len; i++) {
    ev[i] ^= 0x01;
    err = 0;
    CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &prm, NULL, f->info,
                                ex_input, ex_input_len, ev, ev_len, &err), 0);
    CU_ASSERT_EQUAL(err, GKDC_POP_ERR_INVALID);
    ev[i] ^= 0x01;
  }

  memcpy(input, ex_input, ex_input_len);
  for (i = 0; i < ex_input_len; i++) {
    input[i] ^= 0x80;
    CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &prm, NULL, f->info, input,
                                ex_input_len, ev, ev_len, &err), 0);
    input[i] ^= 0x80;
  }

  /* Truncated and extended evidence. */
  CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &prm, NULL, f->info, ex_input,
                              ex_input_len, ev, ev_len - 1, &err), 0);
  ev[ev_len] = 0;
  CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &prm, NULL, f->info, ex_input,
                              ex_input_len, ev, ev_len + 1, &err), 0);
}

static void test_tampered_evidence(void)
{
  check_tampering(&ed_key, GKDC_COSE_ALG_EDDSA, 0);
  check_tampering(&p256_key, GKDC_COSE_ALG_ES256, 0);
  check_tampering(&p256_key, GKDC_COSE_ALG_ES256, GKDC_POP_F_ECDSA_DER);
}

static void test_wrong_prover(void)
{
  struct gkdc_pop_params prm = params_for(GKDC_COSE_ALG_ES256, 0);
  uint8_t ev[GKDC_POP_MAX_EVIDENCE_LEN];
  size_t ev_len = round_trip(&p256_key, GKDC_COSE_ALG_ES256, 0, ev);
  int err = 0;

  CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &prm, NULL, r_key.info,
                              ex_input, ex_input_len, ev, ev_len, &err), 0);
  CU_ASSERT_EQUAL(err, GKDC_POP_ERR_INVALID);
}

static void test_key_mismatch(void)
{
  struct gkdc_pop_params es = params_for(GKDC_COSE_ALG_ES256, 0);
  struct gkdc_pop_params ed = params_for(GKDC_COSE_ALG_EDDSA, 0);
  struct gkdc_pop_params es384 = params_for(-35, 0);
  uint8_t ev[GKDC_POP_MAX_EVIDENCE_LEN];
  size_t ev_len = sizeof(ev);
  int err = 0;

  /* An Ed25519 key in an ES256 group, and the reverse. */
  CU_ASSERT_EQUAL(pop->create(sign_plugin.state, &es, &ed_key.key, NULL,
                              ex_input, ex_input_len, ev, &ev_len, &err), 0);
  CU_ASSERT_EQUAL(err, GKDC_POP_ERR_KEY_MISMATCH);
  CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &ed, NULL, p256_key.info,
                              ex_input, ex_input_len, ev, 64, &err), 0);
  CU_ASSERT_EQUAL(err, GKDC_POP_ERR_KEY_MISMATCH);

  /* A group curve that differs from the credential's. */
  es.sign_curve = GKDC_COSE_CRV_ED25519;
  CU_ASSERT_EQUAL(pop->create(sign_plugin.state, &es, &p256_key.key, NULL,
                              ex_input, ex_input_len, ev, &ev_len, &err), 0);
  CU_ASSERT_EQUAL(err, GKDC_POP_ERR_KEY_MISMATCH);

  /* An algorithm this method does not implement. */
  CU_ASSERT_EQUAL(pop->create(sign_plugin.state, &es384, &p256_key.key, NULL,
                              ex_input, ex_input_len, ev, &ev_len, &err), 0);
  CU_ASSERT_EQUAL(err, GKDC_POP_ERR_UNSUPPORTED);
}

static void test_bad_arguments(void)
{
  struct gkdc_pop_params prm = params_for(GKDC_COSE_ALG_EDDSA, 0);
  struct gkdc_pop_key no_priv = ed_key.key;
  uint8_t ev[GKDC_POP_MAX_EVIDENCE_LEN];
  size_t ev_len = sizeof(ev);
  int err = 0;

  no_priv.priv = NULL;
  CU_ASSERT_EQUAL(pop->create(sign_plugin.state, &prm, &no_priv, NULL, ex_input,
                              ex_input_len, ev, &ev_len, &err), 0);
  CU_ASSERT_EQUAL(err, GKDC_POP_ERR_BAD_ARGUMENT);
  CU_ASSERT_EQUAL(pop->create(sign_plugin.state, &prm, &ed_key.key, NULL,
                              ex_input, 0, ev, &ev_len, &err), 0);
  CU_ASSERT_EQUAL(err, GKDC_POP_ERR_BAD_ARGUMENT);

  /* Output buffer one byte short: nothing is written. */
  memset(ev, 0xaa, sizeof(ev));
  ev_len = 63;
  CU_ASSERT_EQUAL(pop->create(sign_plugin.state, &prm, &ed_key.key, NULL,
                              ex_input, ex_input_len, ev, &ev_len, &err), 0);
  CU_ASSERT_EQUAL(err, GKDC_POP_ERR_BUFFER);
  CU_ASSERT_EQUAL(ev[0], 0xaa);

  /* Empty evidence. */
  CU_ASSERT_EQUAL(pop->verify(sign_plugin.state, &prm, NULL, ed_key.info,
                              ex_input, ex_input_len, ev, 0, &err), 0);
  CU_ASSERT_EQUAL(err, GKDC_POP_ERR_INVALID);
}

int main(void)
{
  CU_pSuite suite;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("pop-sign", suite_init, suite_clean);
  if (suite == NULL)
    return 1;
  CU_add_test(suite, "table keys", test_table_keys);
  CU_add_test(suite, "RFC 9594 client input", test_input_rfc9594_client);
  CU_add_test(suite, "RFC 9594 KDC input", test_input_rfc9594_kdc);
  CU_add_test(suite, "input long heads", test_input_long_heads);
  CU_add_test(suite, "EdDSA known answer", test_eddsa_known_answer);
  CU_add_test(suite, "EdDSA round trip", test_eddsa_round_trip);
  CU_add_test(suite, "ES256 raw round trip", test_es256_raw_round_trip);
  CU_add_test(suite, "ES256 DER round trip", test_es256_der_round_trip);
  CU_add_test(suite, "ES256 compressed key", test_es256_compressed_key);
  CU_add_test(suite, "DER mode accepts raw", test_der_mode_accepts_raw);
  CU_add_test(suite, "Java DER evidence", test_java_der_evidence);
  CU_add_test(suite, "tampered evidence", test_tampered_evidence);
  CU_add_test(suite, "wrong prover key", test_wrong_prover);
  CU_add_test(suite, "key mismatch", test_key_mismatch);
  CU_add_test(suite, "bad arguments", test_bad_arguments);
  return harness_run();
}
