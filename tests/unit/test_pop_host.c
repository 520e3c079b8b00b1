/*
 * The credfmt-ccs and pop-sign plugins inside the real host: loaded by the
 * host's loader, found in the registry by their keys (COSE header label 14
 * and method name "sign"), and run over the host's registry-backed crypto
 * adapter for a Join's client PoP and the KDC's PoP, as the KDC and a
 * joining node exchange them.
 */
#include "gkdc-test.h"

#include <stdio.h>
#include <string.h>

#include <gkdc/credfmt.h>
#include <gkdc/crypto.h>
#include <gkdc/pop.h>

#include "internal.h"

#define PLUGINS TOP_BUILDDIR "/plugins"

/* P-256 credential of RFC 9529 section 3 (CRED_R) and its private key. */
static const uint8_t cred_r[] = {
  0xa2, 0x02, 0x6b, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x65,
  0x64, 0x75, 0x08, 0xa1, 0x01, 0xa5, 0x01, 0x02, 0x02, 0x41, 0x32, 0x20,
  0x01, 0x21, 0x58, 0x20, 0xbb, 0xc3, 0x49, 0x60, 0x52, 0x6e, 0xa4, 0xd3,
  0x2e, 0x94, 0x0c, 0xad, 0x2a, 0x23, 0x41, 0x48, 0xdd, 0xc2, 0x17, 0x91,
  0xa1, 0x2a, 0xfb, 0xcb, 0xac, 0x93, 0x62, 0x20, 0x46, 0xdd, 0x44, 0xf0,
  0x22, 0x58, 0x20, 0x45, 0x19, 0xe2, 0x57, 0x23, 0x6b, 0x2a, 0x0c, 0xe2,
  0x02, 0x3f, 0x09, 0x31, 0xf1, 0xf3, 0x86, 0xca, 0x7a, 0xfd, 0xa6, 0x4f,
  0xcd, 0xe0, 0x10, 0x8c, 0x22, 0x4c, 0x51, 0xea, 0xbf, 0x60, 0x72,
};
static const uint8_t sk_r[32] = {
  0x72, 0xcc, 0x47, 0x61, 0xdb, 0xd4, 0xc7, 0x8f, 0x75, 0x89, 0x31, 0xaa,
  0x58, 0x9d, 0x34, 0x8d, 0x1e, 0xf8, 0x74, 0xa7, 0xe3, 0x03, 0xed, 0xe2,
  0xf1, 0x40, 0xdc, 0xf3, 0xe6, 0xaa, 0x4a, 0xac,
};

/* Join Request scope ["gp1", 6] (Requester and Responder), as sent. */
static const uint8_t scope_entry[] = { 0x82, 0x63, 0x67, 0x70, 0x31, 0x06 };

static struct gkdc_provider credfmt;
static struct gkdc_provider pop;

static int suite_init(void)
{
  if (!gkdc_plugin_load(PLUGINS "/alg-boringssl/.libs/alg-boringssl.so", NULL) ||
      !gkdc_plugin_load(PLUGINS "/credfmt-ccs/.libs/credfmt-ccs.so", NULL) ||
      !gkdc_plugin_load(PLUGINS "/pop-sign/.libs/pop-sign.so", NULL) ||
      !gkdc_plugins_init_all())
    return 1;
  return 0;
}

static int suite_clean(void)
{
  gkdc_plugins_unload_all();
  return 0;
}

static void test_registry_keys(void)
{
  struct gkdc_provider none;

  CU_ASSERT_FATAL(gkdc_registry_find_credfmt(GKDC_COSE_HDR_KCCS, &credfmt) == 1);
  CU_ASSERT_STRING_EQUAL(credfmt.plugin_name, "credfmt-ccs");
  CU_ASSERT_FATAL(gkdc_registry_find_pop(GKDC_POP_SIGN, &pop) == 1);
  CU_ASSERT_STRING_EQUAL(pop.plugin_name, "pop-sign");
  CU_ASSERT_EQUAL(gkdc_registry_find_credfmt(GKDC_COSE_HDR_X5CHAIN, &none), 0);
  CU_ASSERT_EQUAL(gkdc_registry_find_pop(GKDC_POP_DH_MAC, &none), 0);
}

/*
 * The joining node signs the Join PoP input with its key; the KDC parses
 * `client_cred` through the registry and verifies `client_cred_verify`.
 * Then the roles swap for `kdc_cred_verify`.
 */
static void test_join_exchange(void)
{
  const struct gkdc_credfmt_ops *cf = credfmt.ops;
  const struct gkdc_pop_ops *po = pop.ops;
  static const uint8_t n_s[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  uint8_t n_c[8], n_kdc[8], input[64], ev[GKDC_POP_MAX_EVIDENCE_LEN];
  size_t input_len = sizeof(input), ev_len = sizeof(ev);
  const struct gkdc_crypto *cx = gkdc_host_api()->crypto_get0();
  struct gkdc_pop_params params;
  struct gkdc_pop_key key;
  struct gkdc_bytes scope = { scope_entry, sizeof(scope_entry) };
  struct gkdc_bytes ns = { n_s, sizeof(n_s) }, nc = { n_c, sizeof(n_c) };
  struct gkdc_bytes nkdc = { n_kdc, sizeof(n_kdc) };
  gkdc_cred *cred = NULL;
  int err = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL(cf);
  CU_ASSERT_PTR_NOT_NULL_FATAL(po);
  CU_ASSERT_FATAL(gkdc_crypto_random(cx, n_c, sizeof(n_c)) == 1);
  CU_ASSERT_FATAL(gkdc_crypto_random(cx, n_kdc, sizeof(n_kdc)) == 1);

  CU_ASSERT_FATAL(cf->parse(credfmt.state, cred_r, sizeof(cred_r), 0, &cred, &err) == 1);
  memset(&params, 0, sizeof(params));
  params.size = sizeof(params);
  params.sign_alg = GKDC_COSE_ALG_ES256;
  params.sign_curve = GKDC_COSE_CRV_P256;
  key.size = sizeof(key);
  key.cred = cf->info_get0(credfmt.state, cred);
  key.priv = sk_r;
  key.priv_len = sizeof(sk_r);

  /* client_cred_verify over CBOR_bstr(scope) | CBOR_bstr(N_S) | CBOR_bstr(N_C). */
  CU_ASSERT_FATAL(gkdc_pop_input_client(scope, ns, nc, input, &input_len) == 1);
  CU_ASSERT_EQUAL(input_len, 7 + 9 + 9);
  CU_ASSERT_FATAL(po->create(pop.state, &params, &key, NULL, input, input_len,
                             ev, &ev_len, &err) == 1);
  CU_ASSERT_EQUAL(po->verify(pop.state, &params, NULL, key.cred, input,
                             input_len, ev, ev_len, &err), 1);

  /* A different N_C (a replayed Join with a fresh nonce) does not verify. */
  n_c[0] ^= 1;
  input_len = sizeof(input);
  CU_ASSERT_FATAL(gkdc_pop_input_client(scope, ns, nc, input, &input_len) == 1);
  CU_ASSERT_EQUAL(po->verify(pop.state, &params, NULL, key.cred, input,
                             input_len, ev, ev_len, &err), 0);
  CU_ASSERT_EQUAL(err, GKDC_POP_ERR_INVALID);

  /* kdc_cred_verify over CBOR_bstr(N_C) | CBOR_bstr(N_KDC), DER for Java. */
  params.flags = GKDC_POP_F_ECDSA_DER;
  input_len = sizeof(input);
  ev_len = sizeof(ev);
  CU_ASSERT_FATAL(gkdc_pop_input_kdc(nc, nkdc, input, &input_len) == 1);
  CU_ASSERT_FATAL(po->create(pop.state, &params, &key, NULL, input, input_len,
                             ev, &ev_len, &err) == 1);
  CU_ASSERT_EQUAL(ev[0], 0x30);
  CU_ASSERT_EQUAL(po->verify(pop.state, &params, NULL, key.cred, input,
                             input_len, ev, ev_len, &err), 1);

  cf->free(credfmt.state, cred);
}

int main(void)
{
  CU_pSuite suite;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("credfmt and pop in the host", suite_init, suite_clean);
  if (suite == NULL)
    return 1;
  CU_add_test(suite, "registry keys", test_registry_keys);
  CU_add_test(suite, "Join PoP exchange", test_join_exchange);
  return gkdc_test_run();
}
