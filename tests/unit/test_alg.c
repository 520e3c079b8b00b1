/*
 * Known-answer and negative tests of the alg-boringssl plugin, run through
 * the crypto adapter of libgkdc.
 *
 * The plugin is loaded from the build tree with dlopen (RTLD_LOCAL, as the
 * host loads it), started with a minimal host API table, and wrapped with
 * gkdc_crypto_init_single(). The program also links BoringSSL itself, only
 * to compare the plugin's AES-CCM with EVP_aead_aes_128_ccm_bluetooth_8.
 *
 * Vector sources are named at each test. Values marked "computed" come from
 * Python 3.11 with the `cryptography` 48.0.0 package (which uses OpenSSL,
 * not BoringSSL) and the standard hmac/hashlib modules, so they are
 * independent of the code under test.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <openssl/aead.h>
#include <openssl/rand.h>

#include <gkdc/alg.h>
#include <gkdc/crypto.h>
#include <gkdc/host.h>
#include <gkdc/plugin.h>

#ifndef TOP_BUILDDIR
#error "TOP_BUILDDIR must name the build tree"
#endif

#define PLUGIN_PATH TOP_BUILDDIR "/plugins/alg-boringssl/.libs/alg-boringssl.so"

static void *dl;
static const struct gkdc_plugin_desc *desc;
static struct gkdc_provider provider;
static struct gkdc_crypto cx;
static double test_scale = 1.0;

/* ---- a minimal host API table ---- */

static char last_log[512];
static int log_lines;

static void host_vlog(gkdc_plugin *self, int level, const char *fmt, va_list ap)
{
  vsnprintf(last_log, sizeof(last_log), fmt, ap);
  log_lines++;
  if (level <= GKDC_LOG_WARNING)
    fprintf(stderr, "alg-boringssl: %s\n", last_log);
}

static void host_log(gkdc_plugin *self, int level, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  host_vlog(self, level, fmt, ap);
  va_end(ap);
}

static int host_log_enabled(int level)
{
  return 1;
}

static const struct gkdc_host_api host_api = {
    .size = sizeof(struct gkdc_host_api),
    .abi_minor = GKDC_ABI_MINOR,
    .log = host_log,
    .vlog = host_vlog,
    .log_enabled = host_log_enabled,
};

/* ---- helpers ---- */

/* Decodes hex (spaces ignored) into `out`; returns the byte count, or
 * (size_t)-1 for invalid hex or a full buffer. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
  size_t n = 0;
  int hi = -1;

  for (; *hex != '\0'; hex++) {
    int v;

    if (*hex == ' ')
      continue;
    if (*hex >= '0' && *hex <= '9')
      v = *hex - '0';
    else if (*hex >= 'a' && *hex <= 'f')
      v = *hex - 'a' + 10;
    else if (*hex >= 'A' && *hex <= 'F')
      v = *hex - 'A' + 10;
    else
      return (size_t)-1;
    if (hi < 0) {
      hi = v;
      continue;
    }
    if (n >= cap)
      return (size_t)-1;
    out[n++] = (uint8_t)(hi << 4 | v);
    hi = -1;
  }
  return hi < 0 ? n : (size_t)-1;
}

/* A hex-decoded byte string in a fixed buffer. */
struct hexbuf {
  uint8_t b[512];
  size_t len;
};

static struct hexbuf hb(const char *hex)
{
  struct hexbuf h;

  h.len = unhex(hex, h.b, sizeof(h.b));
  CU_ASSERT_FATAL(h.len != (size_t)-1);
  return h;
}

static int bytes_equal_hex(const uint8_t *got, size_t got_len, const char *hex)
{
  struct hexbuf want = hb(hex);

  return got_len == want.len && memcmp(got, want.b, got_len) == 0;
}

static int all_bytes_are(const uint8_t *p, size_t len, uint8_t v)
{
  size_t i;

  for (i = 0; i < len; i++) {
    if (p[i] != v)
      return 0;
  }
  return 1;
}

/* ---- suite setup: load and start the plugin ---- */

static int suite_init(void)
{
  gkdc_plugin_entry_fn entry;
  void *state = NULL;
  const char *scale = getenv("GKDC_TEST_SCALE");

  if (scale != NULL && atof(scale) > 0)
    test_scale = atof(scale);

  dl = dlopen(PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  if (dl == NULL) {
    fprintf(stderr, "cannot load %s: %s\n", PLUGIN_PATH, dlerror());
    return 1;
  }
  entry = (gkdc_plugin_entry_fn)dlsym(dl, GKDC_PLUGIN_ENTRY_NAME);
  if (entry == NULL || (desc = entry()) == NULL) {
    fprintf(stderr, "%s has no %s\n", PLUGIN_PATH, GKDC_PLUGIN_ENTRY_NAME);
    return 1;
  }
  if (desc->abi_major != GKDC_ABI_MAJOR || desc->build_signature != GKDC_BUILD_SIGNATURE) {
    fprintf(stderr, "%s was built for another ABI\n", PLUGIN_PATH);
    return 1;
  }
  if (!desc->init(NULL, &host_api, &state)) {
    fprintf(stderr, "alg-boringssl init failed: %s\n", last_log);
    return 1;
  }
  provider.ops = desc->ops;
  provider.state = state;
  provider.plugin_name = desc->name;
  gkdc_crypto_init_single(&cx, &provider);
  return 0;
}

static int suite_clean(void)
{
  if (desc != NULL && desc->fini != NULL)
    desc->fini(provider.state);
  if (dl != NULL && getenv("GKDC_NO_DLCLOSE") == NULL)
    dlclose(dl);
  dl = NULL;
  return 0;
}

/* ---- descriptor and table ---- */

static void test_descriptor(void)
{
  const struct gkdc_alg_ops *ops = desc->ops;

  CU_ASSERT_EQUAL(desc->kind, GKDC_PLUGIN_ALG);
  CU_ASSERT_STRING_EQUAL(desc->name, "alg-boringssl");
  CU_ASSERT_EQUAL(desc->reserved, 0);
  CU_ASSERT_PTR_NOT_NULL(desc->fini);
  CU_ASSERT_EQUAL(ops->size, sizeof(struct gkdc_alg_ops));
  CU_ASSERT_EQUAL(ops->alg_count, 17);
  CU_ASSERT_TRUE(GKDC_HAS_OP(ops, ecdsa_der_to_raw));
}

static void check_info(int32_t alg, const char *name, unsigned key_len,
                       unsigned nonce_len, unsigned tag_len, unsigned sig_len)
{
  const struct gkdc_alg_info *info = gkdc_crypto_alg_info_get0(&cx, alg);

  CU_ASSERT_PTR_NOT_NULL_FATAL(info);
  CU_ASSERT_EQUAL(info->id, alg);
  CU_ASSERT_STRING_EQUAL(info->name, name);
  CU_ASSERT_EQUAL(info->key_len, key_len);
  CU_ASSERT_EQUAL(info->nonce_len, nonce_len);
  CU_ASSERT_EQUAL(info->tag_len, tag_len);
  CU_ASSERT_EQUAL(info->sig_len, sig_len);
}

static void test_alg_info(void)
{
  const struct gkdc_alg_info *info;

  check_info(GKDC_COSE_ALG_EDDSA, "EdDSA", 32, 0, 0, 64);
  check_info(GKDC_COSE_ALG_ES256, "ES256", 32, 0, 0, 64);
  check_info(GKDC_COSE_ALG_AES_CCM_16_64_128, "AES-CCM-16-64-128", 16, 13, 8, 0);
  check_info(GKDC_COSE_ALG_AES_CCM_16_128_128, "AES-CCM-16-128-128", 16, 13, 16, 0);
  /* Id 1 is both A128GCM and the P-256 curve; the algorithm must win. */
  check_info(GKDC_COSE_ALG_A128GCM, "A128GCM", 16, 12, 16, 0);
  check_info(GKDC_COSE_ALG_A256GCM, "A256GCM", 32, 12, 16, 0);
  check_info(GKDC_COSE_ALG_CHACHA20_POLY1305, "ChaCha20/Poly1305", 32, 12, 16, 0);
  check_info(GKDC_COSE_ALG_A128CTR, "A128CTR", 16, 16, 0, 0);
  /* Id 4 is both HMAC 256/64 and the X25519 curve. */
  check_info(GKDC_COSE_ALG_HMAC_256_64, "HMAC 256/64", 32, 0, 8, 0);
  check_info(GKDC_COSE_ALG_HMAC_256_256, "HMAC 256/256", 32, 0, 32, 0);
  check_info(GKDC_COSE_ALG_HMAC_512_512, "HMAC 512/512", 64, 0, 64, 0);
  check_info(GKDC_COSE_ALG_SHA256, "SHA-256", 0, 0, 32, 0);

  info = gkdc_crypto_alg_info_get0(&cx, GKDC_COSE_CRV_ED25519);
  CU_ASSERT_PTR_NULL(info);
  info = gkdc_crypto_alg_info_get0(&cx, GKDC_COSE_ALG_HKDF_SHA256);
  CU_ASSERT_PTR_NULL(info);
}

/* ---- Ed25519: RFC 8032 section 7.1 ---- */

struct ed25519_vector {
  const char *name;
  const char *seed;
  const char *pub;
  const char *msg;
  const char *sig;
};

static const struct ed25519_vector ed25519_vectors[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    {"TEST SHA(abc)", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
};

static void test_ed25519_rfc8032(void)
{
  size_t i;

  for (i = 0; i < sizeof(ed25519_vectors) / sizeof(ed25519_vectors[0]); i++) {
    const struct ed25519_vector *v = &ed25519_vectors[i];
    struct hexbuf seed = hb(v->seed), pub = hb(v->pub), msg = hb(v->msg);
    uint8_t got_pub[32], sig[GKDC_MAX_SIG_LEN];
    size_t pub_len = sizeof(got_pub), sig_len = sizeof(sig);

    CU_ASSERT_TRUE(gkdc_crypto_public_from_private(&cx, GKDC_COSE_CRV_ED25519, seed.b,
                                                   seed.len, got_pub, &pub_len));
    CU_ASSERT_TRUE(bytes_equal_hex(got_pub, pub_len, v->pub));

    CU_ASSERT_TRUE(gkdc_crypto_sign(&cx, GKDC_COSE_ALG_EDDSA, seed.b, seed.len, msg.b,
                                    msg.len, sig, &sig_len));
    CU_ASSERT_TRUE(bytes_equal_hex(sig, sig_len, v->sig));

    CU_ASSERT_TRUE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_EDDSA, pub.b, pub.len, msg.b,
                                      msg.len, sig, sig_len));
    sig[i] ^= 0x01;
    CU_ASSERT_FALSE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_EDDSA, pub.b, pub.len, msg.b,
                                       msg.len, sig, sig_len));
    sig[i] ^= 0x01;
    CU_ASSERT_FALSE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_EDDSA, pub.b, pub.len, msg.b,
                                       msg.len, sig, sig_len - 1));
    CU_ASSERT_FALSE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_EDDSA, pub.b, pub.len - 1,
                                       msg.b, msg.len, sig, sig_len));
  }
}

static void test_ed25519_bad_sizes(void)
{
  struct hexbuf seed = hb(ed25519_vectors[0].seed);
  uint8_t sig[64];
  size_t sig_len = 63;

  CU_ASSERT_FALSE(gkdc_crypto_sign(&cx, GKDC_COSE_ALG_EDDSA, seed.b, seed.len,
                                   (const uint8_t *)"m", 1, sig, &sig_len));
  sig_len = sizeof(sig);
  CU_ASSERT_FALSE(gkdc_crypto_sign(&cx, GKDC_COSE_ALG_EDDSA, seed.b, 31,
                                   (const uint8_t *)"m", 1, sig, &sig_len));
  CU_ASSERT_FALSE(gkdc_crypto_sign(&cx, GKDC_COSE_ALG_EDDSA, seed.b, 64,
                                   (const uint8_t *)"m", 1, sig, &sig_len));
}

/* ---- X25519: RFC 7748 sections 5.2 and 6.1 ---- */

static void x25519_check(const char *scalar, const char *u, const char *out)
{
  struct hexbuf k = hb(scalar), p = hb(u);
  uint8_t z[32];
  size_t z_len = sizeof(z);

  CU_ASSERT_TRUE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_X25519, k.b, k.len, p.b, p.len, z,
                                  &z_len));
  CU_ASSERT_TRUE(bytes_equal_hex(z, z_len, out));
}

static void test_x25519_rfc7748_vectors(void)
{
  x25519_check("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
               "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
               "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
  /* The input u has its top bit set; X25519 masks it (RFC 7748 section 5). */
  x25519_check("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
               "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
               "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

/* RFC 7748 section 5.2: k = u = 9, then k, u = X25519(k, u), k. */
static void test_x25519_rfc7748_iterated(void)
{
  uint8_t k[32] = {9}, u[32] = {9}, r[32];
  size_t i, iterations = test_scale >= 1.0 ? 1000 : 1;

  for (i = 1; i <= iterations; i++) {
    size_t r_len = sizeof(r);

    CU_ASSERT_TRUE_FATAL(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_X25519, k, sizeof(k), u,
                                          sizeof(u), r, &r_len));
    memcpy(u, k, sizeof(u));
    memcpy(k, r, sizeof(k));
    if (i == 1)
      CU_ASSERT_TRUE(bytes_equal_hex(
          k, sizeof(k), "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"));
    if (i == 1000)
      CU_ASSERT_TRUE(bytes_equal_hex(
          k, sizeof(k), "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"));
  }
}

static void test_x25519_rfc7748_dh(void)
{
  const char *alice = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
  const char *alice_pub = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
  const char *bob = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
  const char *bob_pub = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
  const char *shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
  struct hexbuf a = hb(alice), b = hb(bob);
  uint8_t pub[32];
  size_t pub_len = sizeof(pub);

  CU_ASSERT_TRUE(gkdc_crypto_public_from_private(&cx, GKDC_COSE_CRV_X25519, a.b, a.len,
                                                 pub, &pub_len));
  CU_ASSERT_TRUE(bytes_equal_hex(pub, pub_len, alice_pub));
  pub_len = sizeof(pub);
  CU_ASSERT_TRUE(gkdc_crypto_public_from_private(&cx, GKDC_COSE_CRV_X25519, b.b, b.len,
                                                 pub, &pub_len));
  CU_ASSERT_TRUE(bytes_equal_hex(pub, pub_len, bob_pub));

  x25519_check(alice, bob_pub, shared);
  x25519_check(bob, alice_pub, shared);
}

static void test_x25519_invalid(void)
{
  /* Small-order points give an all-zero shared secret, which must be
   * rejected (RFC 7748 section 6.1): u = 0, u = 1 and a point of order 8. */
  static const char *small_order[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  };
  struct hexbuf k = hb("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  struct hexbuf good = hb("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  uint8_t z[32];
  size_t i, z_len;

  for (i = 0; i < sizeof(small_order) / sizeof(small_order[0]); i++) {
    struct hexbuf u = hb(small_order[i]);

    z_len = sizeof(z);
    CU_ASSERT_FALSE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_X25519, k.b, k.len, u.b, u.len,
                                     z, &z_len));
  }

  z_len = sizeof(z);
  CU_ASSERT_FALSE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_X25519, k.b, k.len, good.b, 31, z,
                                   &z_len));
  CU_ASSERT_FALSE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_X25519, k.b, 31, good.b, good.len,
                                   z, &z_len));
  z_len = 31;
  CU_ASSERT_FALSE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_X25519, k.b, k.len, good.b,
                                   good.len, z, &z_len));
  z_len = sizeof(z);
  CU_ASSERT_FALSE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_ED25519, k.b, k.len, good.b,
                                   good.len, z, &z_len));
}

/* ---- Ed25519 to X25519 mapping ---- */

/*
 * Expected values computed with Python: u = (1 + y) / (1 - y) mod p by
 * big-int arithmetic on the RFC 8032 public keys, and the X25519 private
 * key as SHA-512(seed)[0:32] clamped (hashlib). The public u also equals
 * X25519PrivateKey.from_private_bytes(that scalar).public_key() of the
 * `cryptography` 48.0.0 package, so the two mappings agree.
 */
static const struct {
  const char *ed_seed, *ed_pub, *x_priv, *x_pub;
} ed_x_pairs[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
     "307c83864f2833cb427a2ef1c00a013cfdff2768d980c0a3a520f006904de94f",
     "d85e07ec22b0ad881537c2f44d662d1a143cf830c57aca4305d85c7a90f6b62e"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
     "68bd9ed75882d52815a97585caf4790a7f6c6b3b7f821c5e259a24b02e502e51",
     "25c704c594b88afc00a76b69d1ed2b984d7e22550f3ed0802d04fbcd07d38d47"},
};

static void test_ed25519_to_x25519(void)
{
  size_t i;

  for (i = 0; i < sizeof(ed_x_pairs) / sizeof(ed_x_pairs[0]); i++) {
    struct hexbuf seed = hb(ed_x_pairs[i].ed_seed), pub = hb(ed_x_pairs[i].ed_pub);
    uint8_t x_priv[32], x_pub[32], derived[32];
    size_t derived_len = sizeof(derived);

    CU_ASSERT_TRUE(gkdc_crypto_ed25519_pub_to_x25519(&cx, pub.b, x_pub));
    CU_ASSERT_TRUE(bytes_equal_hex(x_pub, sizeof(x_pub), ed_x_pairs[i].x_pub));
    CU_ASSERT_TRUE(gkdc_crypto_ed25519_priv_to_x25519(&cx, seed.b, x_priv));
    CU_ASSERT_TRUE(bytes_equal_hex(x_priv, sizeof(x_priv), ed_x_pairs[i].x_priv));

    /* The mapped private key yields the mapped public key. */
    CU_ASSERT_TRUE(gkdc_crypto_public_from_private(&cx, GKDC_COSE_CRV_X25519, x_priv,
                                                   sizeof(x_priv), derived, &derived_len));
    CU_ASSERT_EQUAL(memcmp(derived, x_pub, sizeof(x_pub)), 0);
  }
}

static void test_ed25519_to_x25519_invalid(void)
{
  static const char *bad[] = {
      /* y = 2^255 - 1 >= p: not canonical */
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      /* y = 1: the identity point, 1 - y = 0 */
      "0100000000000000000000000000000000000000000000000000000000000000",
      /* y = 1 with the sign bit set: x = 0 cannot be negative */
      "0100000000000000000000000000000000000000000000000000000000000080",
      /* y = 2: (y^2 - 1) / (d y^2 + 1) is not a square, so no point */
      "0200000000000000000000000000000000000000000000000000000000000000",
      /* y = p - 1: the point of order 2, which maps to u = 0 */
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  };
  uint8_t x_pub[32];
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct hexbuf pub = hb(bad[i]);

    memset(x_pub, 0xa5, sizeof(x_pub));
    CU_ASSERT_FALSE(gkdc_crypto_ed25519_pub_to_x25519(&cx, pub.b, x_pub));
    CU_ASSERT_TRUE(all_bytes_are(x_pub, sizeof(x_pub), 0xa5));
  }
}

/* ---- HKDF ---- */

static void hkdf_check(int32_t alg, const char *salt_hex, const char *ikm_hex,
                       const char *info_hex, const char *okm_hex)
{
  struct hexbuf salt = hb(salt_hex), ikm = hb(ikm_hex), info = hb(info_hex), okm = hb(okm_hex);
  uint8_t out[512];

  memset(out, 0, sizeof(out));
  CU_ASSERT_TRUE_FATAL(gkdc_crypto_hkdf(&cx, alg, salt.len != 0 ? salt.b : NULL, salt.len,
                                        ikm.b, ikm.len, info.b, info.len, out, okm.len));
  CU_ASSERT_EQUAL(memcmp(out, okm.b, okm.len), 0);
}

#define A1_IKM "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
#define A1_SALT "000102030405060708090a0b0c"
#define A1_INFO "f0f1f2f3f4f5f6f7f8f9"
#define A2_IKM                                                                            \
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"                      \
  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"                      \
  "404142434445464748494a4b4c4d4e4f"
#define A2_SALT                                                                           \
  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"                      \
  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"                      \
  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
#define A2_INFO                                                                           \
  "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"                      \
  "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"                      \
  "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"

/* RFC 5869 appendix A.1 to A.3 (HKDF-SHA-256), under every alias that
 * gkdc_crypto_hkdf() accepts for SHA-256. */
static void test_hkdf_sha256_rfc5869(void)
{
  static const int32_t aliases[] = {GKDC_COSE_ALG_HMAC_256_256, GKDC_COSE_ALG_HKDF_SHA256,
                                    GKDC_COSE_ALG_SHA256};
  size_t i;

  for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
    hkdf_check(aliases[i], A1_SALT, A1_IKM, A1_INFO,
               "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
               "34007208d5b887185865");
    hkdf_check(aliases[i], A2_SALT, A2_IKM, A2_INFO,
               "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
               "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
               "cc30c58179ec3e87c14c01d5c1f3434f1d87");
    hkdf_check(aliases[i], "", A1_IKM, "",
               "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
               "9d201395faa4b61a96c8");
  }
}

/* HKDF-SHA-512 on the RFC 5869 inputs; expected output computed with a
 * Python implementation of RFC 5869 on the standard hmac and hashlib
 * modules. */
static void test_hkdf_sha512_python(void)
{
  static const int32_t aliases[] = {GKDC_COSE_ALG_HMAC_512_512, GKDC_COSE_ALG_HKDF_SHA512,
                                    GKDC_COSE_ALG_SHA512};
  size_t i;

  for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
    hkdf_check(aliases[i], A1_SALT, A1_IKM, A1_INFO,
               "832390086cda71fb47625bb5ceb168e4c8e26a1a16ed34d9fc7fe92c14815793"
               "38da362cb8d9f925d7cb");
    hkdf_check(aliases[i], "", A1_IKM, "",
               "f5fa02b18298a72a8c23898a8703472c6eb179dc204c03425c970e3b164bf90f"
               "ff22d04836d0e2343bac");
    hkdf_check(aliases[i], A2_SALT, A2_IKM, A2_INFO,
               "ce6c97192805b346e6161e821ed165673b84f400a2b514b2fe23d84cd189ddf1"
               "b695b48cbd1c8388441137b3ce28f16aa64ba33ba466b24df6cfcb021ecff235"
               "f6a2056ce3af1de44d572097a8505d9e7a9354e5796284151c2dd39c39b3cd3d"
               "8e50fcc383ebdec37476e03b721ef5efef873c281f018b8ca42e1245b2271f87"
               "1ba6");
  }
}

static void test_hkdf_invalid(void)
{
  static uint8_t out[255 * 32 + 1];
  const uint8_t ikm[16] = {1};

  CU_ASSERT_TRUE(gkdc_crypto_hkdf(&cx, 5, NULL, 0, ikm, sizeof(ikm), NULL, 0, out,
                                  255 * 32));
  /* RFC 5869 section 2.3: L <= 255 * HashLen. */
  CU_ASSERT_FALSE(gkdc_crypto_hkdf(&cx, 5, NULL, 0, ikm, sizeof(ikm), NULL, 0, out,
                                   255 * 32 + 1));
  CU_ASSERT_FALSE(gkdc_crypto_hkdf(&cx, GKDC_COSE_ALG_HMAC_256_64, NULL, 0, ikm,
                                   sizeof(ikm), NULL, 0, out, 16));
  CU_ASSERT_FALSE(gkdc_crypto_hkdf(&cx, 6, NULL, 0, ikm, sizeof(ikm), NULL, 0, out, 16));
  /* The plugin itself takes only hash ids. */
  CU_ASSERT_FALSE(((const struct gkdc_alg_ops *)provider.ops)
                      ->hkdf(provider.state, 5, NULL, 0, ikm, sizeof(ikm), NULL, 0, out, 16));
}

/* ---- HMAC: RFC 4231 ---- */

struct hmac_vector {
  const char *name;
  const uint8_t *key;
  size_t key_len;
  const uint8_t *data;
  size_t data_len;
  const char *sha256;
  const char *sha512;
};

static void test_hmac_rfc4231(void)
{
  uint8_t key3[20], data3[50], key4[25], data4[50], key67[131];
  const char *data1 = "Hi There", *data2 = "what do ya want for nothing?";
  const char *data6 = "Test Using Larger Than Block-Size Key - Hash Key First";
  const char *data7 = "This is a test using a larger than block-size key and a larger than "
                      "block-size data. The key needs to be hashed before being used by the "
                      "HMAC algorithm.";
  uint8_t key1[20];
  size_t i;

  memset(key1, 0x0b, sizeof(key1));
  memset(key3, 0xaa, sizeof(key3));
  memset(data3, 0xdd, sizeof(data3));
  for (i = 0; i < sizeof(key4); i++)
    key4[i] = (uint8_t)(i + 1);
  memset(data4, 0xcd, sizeof(data4));
  memset(key67, 0xaa, sizeof(key67));

  const struct hmac_vector v[] = {
      {"1", key1, sizeof(key1), (const uint8_t *)data1, strlen(data1),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
       "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
       "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
      {"2", (const uint8_t *)"Jefe", 4, (const uint8_t *)data2, strlen(data2),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
       "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
      {"3", key3, sizeof(key3), data3, sizeof(data3),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
       "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
       "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"},
      {"4", key4, sizeof(key4), data4, sizeof(data4),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
       "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
       "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"},
      {"6", key67, sizeof(key67), (const uint8_t *)data6, strlen(data6),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
       "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
       "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
      {"7", key67, sizeof(key67), (const uint8_t *)data7, strlen(data7),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
       "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
       "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"},
  };

  for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    uint8_t tag[64];
    size_t tag_len;
    struct hexbuf want256 = hb(v[i].sha256);

    tag_len = sizeof(tag);
    CU_ASSERT_TRUE(gkdc_crypto_mac(&cx, GKDC_COSE_ALG_HMAC_256_256, v[i].key, v[i].key_len,
                                   v[i].data, v[i].data_len, tag, &tag_len));
    CU_ASSERT_TRUE(bytes_equal_hex(tag, tag_len, v[i].sha256));

    tag_len = sizeof(tag);
    CU_ASSERT_TRUE(gkdc_crypto_mac(&cx, GKDC_COSE_ALG_HMAC_512_512, v[i].key, v[i].key_len,
                                   v[i].data, v[i].data_len, tag, &tag_len));
    CU_ASSERT_TRUE(bytes_equal_hex(tag, tag_len, v[i].sha512));

    /* HMAC 256/64 is the leftmost 8 bytes of HMAC-SHA-256. */
    tag_len = 8;
    CU_ASSERT_TRUE(gkdc_crypto_mac(&cx, GKDC_COSE_ALG_HMAC_256_64, v[i].key, v[i].key_len,
                                   v[i].data, v[i].data_len, tag, &tag_len));
    CU_ASSERT_EQUAL(tag_len, 8);
    CU_ASSERT_EQUAL(memcmp(tag, want256.b, 8), 0);
  }
}

static void test_hmac_small_buffer(void)
{
  uint8_t tag[64];
  size_t tag_len = 31;

  CU_ASSERT_FALSE(gkdc_crypto_mac(&cx, GKDC_COSE_ALG_HMAC_256_256, (const uint8_t *)"k", 1,
                                  (const uint8_t *)"m", 1, tag, &tag_len));
  tag_len = 7;
  CU_ASSERT_FALSE(gkdc_crypto_mac(&cx, GKDC_COSE_ALG_HMAC_256_64, (const uint8_t *)"k", 1,
                                  (const uint8_t *)"m", 1, tag, &tag_len));
  tag_len = sizeof(tag);
  CU_ASSERT_FALSE(gkdc_crypto_mac(&cx, GKDC_COSE_ALG_A128GCM, (const uint8_t *)"k", 1,
                                  (const uint8_t *)"m", 1, tag, &tag_len));
}

/* ---- SHA-2: the "abc" examples of FIPS 180-2 appendices B.1 and C.1 ---- */

static void test_hash_abc(void)
{
  uint8_t d[64];
  size_t d_len = sizeof(d);

  CU_ASSERT_TRUE(gkdc_crypto_hash(&cx, GKDC_COSE_ALG_SHA256, (const uint8_t *)"abc", 3, d,
                                  &d_len));
  CU_ASSERT_TRUE(bytes_equal_hex(
      d, d_len, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  d_len = sizeof(d);
  CU_ASSERT_TRUE(gkdc_crypto_hash(&cx, GKDC_COSE_ALG_SHA512, (const uint8_t *)"abc", 3, d,
                                  &d_len));
  CU_ASSERT_TRUE(bytes_equal_hex(
      d, d_len,
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"));
  d_len = 63;
  CU_ASSERT_FALSE(gkdc_crypto_hash(&cx, GKDC_COSE_ALG_SHA512, (const uint8_t *)"abc", 3, d,
                                   &d_len));
}

/* ---- AEADs ---- */

/* Seals `pt` and compares ciphertext || tag, then opens it again. */
static void aead_check(int32_t alg, const char *key_hex, const char *nonce_hex,
                       const char *aad_hex, const uint8_t *pt, size_t pt_len,
                       const char *ct_hex)
{
  struct hexbuf key = hb(key_hex), nonce = hb(nonce_hex), aad = hb(aad_hex), ct = hb(ct_hex);
  uint8_t out[512], back[512];
  size_t out_len = sizeof(out), back_len = sizeof(back);

  CU_ASSERT_TRUE_FATAL(gkdc_crypto_aead_seal(&cx, alg, key.b, key.len, nonce.b, nonce.len,
                                             aad.b, aad.len, pt, pt_len, out, &out_len));
  CU_ASSERT_EQUAL(out_len, ct.len);
  CU_ASSERT_EQUAL(memcmp(out, ct.b, ct.len), 0);

  CU_ASSERT_TRUE_FATAL(gkdc_crypto_aead_open(&cx, alg, key.b, key.len, nonce.b, nonce.len,
                                             aad.b, aad.len, ct.b, ct.len, back, &back_len));
  CU_ASSERT_EQUAL(back_len, pt_len);
  CU_ASSERT_EQUAL(memcmp(back, pt, pt_len), 0);

  /* Any flipped ciphertext, tag or AAD bit fails, and `back` stays as it was. */
  ct.b[0] ^= 0x80;
  memset(back, 0xa5, sizeof(back));
  back_len = sizeof(back);
  CU_ASSERT_FALSE(gkdc_crypto_aead_open(&cx, alg, key.b, key.len, nonce.b, nonce.len,
                                        aad.b, aad.len, ct.b, ct.len, back, &back_len));
  CU_ASSERT_TRUE(all_bytes_are(back, sizeof(back), 0xa5));
  ct.b[0] ^= 0x80;
  ct.b[ct.len - 1] ^= 0x01;
  CU_ASSERT_FALSE(gkdc_crypto_aead_open(&cx, alg, key.b, key.len, nonce.b, nonce.len,
                                        aad.b, aad.len, ct.b, ct.len, back, &back_len));
  ct.b[ct.len - 1] ^= 0x01;
  if (aad.len > 0) {
    aad.b[0] ^= 0x01;
    CU_ASSERT_FALSE(gkdc_crypto_aead_open(&cx, alg, key.b, key.len, nonce.b, nonce.len,
                                          aad.b, aad.len, ct.b, ct.len, back, &back_len));
  }
  CU_ASSERT_TRUE(all_bytes_are(back, sizeof(back), 0xa5));
}

/* RFC 8439 section 2.8.2. */
static void test_chacha20_poly1305_rfc8439(void)
{
  const char *pt = "Ladies and Gentlemen of the class of '99: If I could offer you only one "
                   "tip for the future, sunscreen would be it.";

  aead_check(GKDC_COSE_ALG_CHACHA20_POLY1305,
             "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
             "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7", (const uint8_t *)pt,
             strlen(pt),
             "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
             "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
             "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
             "3ff4def08e4b7a9de576d26586cec64b6116"
             "1ae10b594f09e26a7e902ecbd0600691");
}

/* RFC 8613 appendix C.4 (request) and C.7 (response): OSCORE with
 * AES-CCM-16-64-128, context of appendix C.1. */
static void test_ccm_16_64_128_rfc8613(void)
{
  struct hexbuf pt4 = hb("01b3747631");
  struct hexbuf pt7 = hb("45ff48656c6c6f20576f726c6421");

  aead_check(GKDC_COSE_ALG_AES_CCM_16_64_128, "f0910ed7295e6ad4b54fc793154302ff",
             "4622d4dd6d944168eefb549868", "8368456e63727970743040488501810a40411440", pt4.b,
             pt4.len, "612f1092f1776f1c1668b3825e");
  aead_check(GKDC_COSE_ALG_AES_CCM_16_64_128, "ffb14e093c94c9cac9471648b4f98710",
             "4622d4dd6d944168eefb549868", "8368456e63727970743040488501810a40411440", pt7.b,
             pt7.len, "dbaad1e9a7e7b2a813d3c31524378303cdafae119106");
}

#define COSE_EXAMPLE_PLAINTEXT "This is the content."

/*
 * COSE WG examples, repository cose-wg/Examples: key (CEK_hex), nonce
 * (rng_stream), AAD (AAD_hex) and ciphertext, verbatim, from
 *   aes-ccm-examples/aes-ccm-enc-01.json  AES-CCM-16-64-128 (alg 10),
 *                                         commit 37285080eeca
 *   aes-ccm-examples/aes-ccm-enc-02.json  AES-CCM-16-128-128 (alg 30),
 *                                         commit d14fd9e251c3
 *   aes-gcm-examples/aes-gcm-enc-01.json  A128GCM (alg 1), commit 37285080eeca
 *   aes-gcm-examples/aes-gcm-enc-03.json  A256GCM (alg 3), commit 37285080eeca
 * Older commits of these files carry other AAD_hex values (earlier draft
 * context strings) with matching ciphertexts.
 */
static void test_aead_cose_examples(void)
{
  const uint8_t *pt = (const uint8_t *)COSE_EXAMPLE_PLAINTEXT;
  size_t pt_len = strlen(COSE_EXAMPLE_PLAINTEXT);

  aead_check(GKDC_COSE_ALG_AES_CCM_16_64_128, "849B57219DAE48DE646D07DBB533566E",
             "89F52F65A1C580933B5261A72F", "8368456E63727970743143A1010A40", pt, pt_len,
             "6899DA0A132BD2D2B9B10915743EE1F7B92A4680CBE82C6D0DC0033B");
  aead_check(GKDC_COSE_ALG_AES_CCM_16_128_128, "849B57219DAE48DE646D07DBB533566E",
             "89F52F65A1C580933B5261A72F", "8368456E63727970743144A101181E40", pt, pt_len,
             "6899DA0A132BD2D2B9B10915743EE1F7B92A4680D1CF133701ACD00D0DD069129FBC1BBD");
  aead_check(GKDC_COSE_ALG_A128GCM, "849B57219DAE48DE646D07DBB533566E",
             "02D1F7E6F26C43D4868D87CE", "8368456E63727970743143A1010140", pt, pt_len,
             "60973A94BB2898009EE52ECFD9AB1DD25867374BE487C603CD8A7104140831FB78F9738E");
  aead_check(GKDC_COSE_ALG_A256GCM,
             "0F1E2D3C4B5A69788796A5B4C3D2E1F01F2E3D4C5B6A798897A6B5C4D3E2F100",
             "02D1F7E6F26C43D4868D87CE", "8368456E63727970743143A1010340", pt, pt_len,
             "9D64A5A59A3B04867DCCF6B8EF82F7D1A3B25EF8C6558CA310D588EE6906E3F30193E1FC");
}

/* RFC 3610 section 8, packet vector #1 (M = 8, L = 2). */
static void test_ccm_rfc3610_packet1(void)
{
  struct hexbuf pt = hb("08090a0b0c0d0e0f101112131415161718191a1b1c1d1e");

  aead_check(GKDC_COSE_ALG_AES_CCM_16_64_128, "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf",
             "00000003020100a0a1a2a3a4a5", "0001020304050607", pt.b, pt.len,
             "588c979a61c663d2f066d0c2c0f989806d5f6b61dac384"
             "17e8d12cfdf926e0");
}

/*
 * Compares the plugin's AES-CCM-16-64-128 with BoringSSL's
 * EVP_aead_aes_128_ccm_bluetooth_8 (the same parameters) on random keys,
 * nonces, AAD and plaintexts, including empty ones and an AAD of 0xff00
 * bytes, the first length with the 6-byte encoding of RFC 3610.
 */
static void test_ccm_matches_bluetooth_8(void)
{
  static uint8_t aad[0xff00 + 16], pt[600], ours[616], theirs[616];
  uint8_t key[16], nonce[13];
  size_t i, rounds = (size_t)(200 * test_scale) + 4;

  for (i = 0; i < rounds; i++) {
    EVP_AEAD_CTX ctx;
    size_t pt_len, aad_len, ours_len = sizeof(ours), theirs_len = 0;
    uint16_t r[2];

    CU_ASSERT_FATAL(RAND_bytes((uint8_t *)r, sizeof(r)) == 1);
    pt_len = i < 2 ? 0 : r[0] % sizeof(pt);
    aad_len = i == 0 ? 0 : r[1] % 300;
    if (i == 3)
      aad_len = 0xff00;
    if (i == 2)
      aad_len = 0xfeff;
    CU_ASSERT_FATAL(RAND_bytes(key, sizeof(key)) == 1);
    CU_ASSERT_FATAL(RAND_bytes(nonce, sizeof(nonce)) == 1);
    CU_ASSERT_FATAL(RAND_bytes(pt, pt_len + 1) == 1);
    CU_ASSERT_FATAL(RAND_bytes(aad, aad_len + 1) == 1);

    CU_ASSERT_TRUE_FATAL(gkdc_crypto_aead_seal(&cx, GKDC_COSE_ALG_AES_CCM_16_64_128, key,
                                               sizeof(key), nonce, sizeof(nonce), aad,
                                               aad_len, pt, pt_len, ours, &ours_len));

    CU_ASSERT_FATAL(EVP_AEAD_CTX_init(&ctx, EVP_aead_aes_128_ccm_bluetooth_8(), key,
                                      sizeof(key), 8, NULL) == 1);
    CU_ASSERT_FATAL(EVP_AEAD_CTX_seal(&ctx, theirs, &theirs_len, sizeof(theirs), nonce,
                                      sizeof(nonce), pt, pt_len, aad, aad_len) == 1);
    EVP_AEAD_CTX_cleanup(&ctx);

    CU_ASSERT_EQUAL(ours_len, pt_len + 8);
    CU_ASSERT_EQUAL(theirs_len, ours_len);
    CU_ASSERT_EQUAL(memcmp(ours, theirs, ours_len), 0);
  }
}

/* AES-CCM-16-128-128 on the same inputs as the 8-byte-tag variant keeps the
 * same ciphertext (the key stream does not depend on M) with another tag. */
static void test_ccm_tag_lengths(void)
{
  uint8_t key[16] = {1}, nonce[13] = {2}, pt[40] = {3}, c8[48], c16[56];
  size_t c8_len = sizeof(c8), c16_len = sizeof(c16);

  CU_ASSERT_TRUE(gkdc_crypto_aead_seal(&cx, GKDC_COSE_ALG_AES_CCM_16_64_128, key, 16,
                                       nonce, 13, NULL, 0, pt, sizeof(pt), c8, &c8_len));
  CU_ASSERT_TRUE(gkdc_crypto_aead_seal(&cx, GKDC_COSE_ALG_AES_CCM_16_128_128, key, 16,
                                       nonce, 13, NULL, 0, pt, sizeof(pt), c16, &c16_len));
  CU_ASSERT_EQUAL(c8_len, 48);
  CU_ASSERT_EQUAL(c16_len, 56);
  CU_ASSERT_EQUAL(memcmp(c8, c16, sizeof(pt)), 0);
  CU_ASSERT_NOT_EQUAL(memcmp(c8 + 40, c16 + 40, 8), 0);
}

static void test_ccm_invalid(void)
{
  static uint8_t big[0x10000 + 16];
  uint8_t key[32] = {1}, nonce[13] = {2}, pt[32] = {3}, ct[48], out[64];
  size_t ct_len = sizeof(ct), out_len, i;
  const int32_t alg = GKDC_COSE_ALG_AES_CCM_16_128_128;

  CU_ASSERT_TRUE_FATAL(gkdc_crypto_aead_seal(&cx, alg, key, 16, nonce, 13, NULL, 0, pt,
                                             sizeof(pt), ct, &ct_len));

  /* Every single-bit change of the tag fails. */
  for (i = 0; i < 16 * 8; i++) {
    ct[32 + i / 8] ^= (uint8_t)(1u << (i % 8));
    memset(out, 0xa5, sizeof(out));
    out_len = sizeof(out);
    CU_ASSERT_FALSE(gkdc_crypto_aead_open(&cx, alg, key, 16, nonce, 13, NULL, 0, ct, ct_len,
                                          out, &out_len));
    CU_ASSERT_TRUE(all_bytes_are(out, sizeof(out), 0xa5));
    ct[32 + i / 8] ^= (uint8_t)(1u << (i % 8));
  }

  /* A truncated tag, an input shorter than the tag, wrong key and nonce
   * lengths, and output buffers that are too small. */
  out_len = sizeof(out);
  CU_ASSERT_FALSE(gkdc_crypto_aead_open(&cx, alg, key, 16, nonce, 13, NULL, 0, ct,
                                        ct_len - 8, out, &out_len));
  CU_ASSERT_FALSE(gkdc_crypto_aead_open(&cx, alg, key, 16, nonce, 13, NULL, 0, ct, 15, out,
                                        &out_len));
  CU_ASSERT_FALSE(gkdc_crypto_aead_open(&cx, alg, key, 32, nonce, 13, NULL, 0, ct, ct_len,
                                        out, &out_len));
  CU_ASSERT_FALSE(gkdc_crypto_aead_open(&cx, alg, key, 15, nonce, 13, NULL, 0, ct, ct_len,
                                        out, &out_len));
  CU_ASSERT_FALSE(gkdc_crypto_aead_open(&cx, alg, key, 16, nonce, 12, NULL, 0, ct, ct_len,
                                        out, &out_len));
  CU_ASSERT_FALSE(gkdc_crypto_aead_open(&cx, alg, key, 16, nonce, 7, NULL, 0, ct, ct_len,
                                        out, &out_len));
  out_len = sizeof(pt) - 1;
  CU_ASSERT_FALSE(gkdc_crypto_aead_open(&cx, alg, key, 16, nonce, 13, NULL, 0, ct, ct_len,
                                        out, &out_len));
  out_len = sizeof(pt);
  CU_ASSERT_TRUE(gkdc_crypto_aead_open(&cx, alg, key, 16, nonce, 13, NULL, 0, ct, ct_len,
                                       out, &out_len));
  CU_ASSERT_EQUAL(memcmp(out, pt, sizeof(pt)), 0);

  out_len = sizeof(pt) + 15;
  CU_ASSERT_FALSE(gkdc_crypto_aead_seal(&cx, alg, key, 16, nonce, 13, NULL, 0, pt,
                                        sizeof(pt), out, &out_len));
  out_len = sizeof(out);
  CU_ASSERT_FALSE(gkdc_crypto_aead_seal(&cx, alg, key, 16, nonce, 12, NULL, 0, pt,
                                        sizeof(pt), out, &out_len));

  /* L = 2 limits the plaintext to 65535 bytes. */
  out_len = sizeof(big);
  CU_ASSERT_FALSE(gkdc_crypto_aead_seal(&cx, alg, key, 16, nonce, 13, NULL, 0, big, 0x10000,
                                        big, &out_len));
  out_len = sizeof(big);
  CU_ASSERT_TRUE(gkdc_crypto_aead_seal(&cx, alg, key, 16, nonce, 13, NULL, 0, big, 0xffff,
                                       big, &out_len));
  CU_ASSERT_EQUAL(out_len, 0xffff + 16);
}

/* Sealing and opening in place (out == in) for every AEAD. */
static void test_aead_in_place(void)
{
  static const int32_t algs[] = {
      GKDC_COSE_ALG_AES_CCM_16_64_128, GKDC_COSE_ALG_AES_CCM_16_128_128,
      GKDC_COSE_ALG_A128GCM, GKDC_COSE_ALG_A256GCM, GKDC_COSE_ALG_CHACHA20_POLY1305};
  size_t i;

  for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
    const struct gkdc_alg_info *info = gkdc_crypto_alg_info_get0(&cx, algs[i]);
    uint8_t key[32], nonce[13], aad[5] = {9, 8, 7, 6, 5}, buf[100], orig[100];
    size_t len;

    CU_ASSERT_PTR_NOT_NULL_FATAL(info);
    CU_ASSERT_TRUE_FATAL(gkdc_crypto_random(&cx, key, sizeof(key)));
    CU_ASSERT_TRUE_FATAL(gkdc_crypto_random(&cx, nonce, sizeof(nonce)));
    CU_ASSERT_TRUE_FATAL(gkdc_crypto_random(&cx, orig, 60));
    memcpy(buf, orig, 60);

    len = sizeof(buf);
    CU_ASSERT_TRUE(gkdc_crypto_aead_seal(&cx, algs[i], key, info->key_len, nonce,
                                         info->nonce_len, aad, sizeof(aad), buf, 60, buf,
                                         &len));
    CU_ASSERT_EQUAL(len, 60u + info->tag_len);
    CU_ASSERT_NOT_EQUAL(memcmp(buf, orig, 60), 0);
    CU_ASSERT_TRUE(gkdc_crypto_aead_open(&cx, algs[i], key, info->key_len, nonce,
                                         info->nonce_len, aad, sizeof(aad), buf, len, buf,
                                         &len));
    CU_ASSERT_EQUAL(len, 60);
    CU_ASSERT_EQUAL(memcmp(buf, orig, 60), 0);
  }
}

/* ---- A128CTR: NIST SP 800-38A appendix F.5.1 (CTR-AES128.Encrypt) ---- */

static void test_a128ctr_sp800_38a(void)
{
  struct hexbuf key = hb("2b7e151628aed2a6abf7158809cf4f3c");
  struct hexbuf iv = hb("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  struct hexbuf pt = hb("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                        "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  const char *ct = "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
                   "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee";
  uint8_t out[64], back[64];

  CU_ASSERT_TRUE(gkdc_crypto_cipher(&cx, GKDC_COSE_ALG_A128CTR, key.b, key.len, iv.b,
                                    iv.len, pt.b, out, pt.len));
  CU_ASSERT_TRUE(bytes_equal_hex(out, pt.len, ct));
  CU_ASSERT_TRUE(gkdc_crypto_cipher(&cx, GKDC_COSE_ALG_A128CTR, key.b, key.len, iv.b,
                                    iv.len, out, back, pt.len));
  CU_ASSERT_EQUAL(memcmp(back, pt.b, pt.len), 0);

  CU_ASSERT_FALSE(gkdc_crypto_cipher(&cx, GKDC_COSE_ALG_A128CTR, key.b, key.len, iv.b, 12,
                                     pt.b, out, pt.len));
  CU_ASSERT_FALSE(gkdc_crypto_cipher(&cx, GKDC_COSE_ALG_A128CTR, key.b, 32, iv.b, iv.len,
                                     pt.b, out, pt.len));
  CU_ASSERT_FALSE(gkdc_crypto_cipher(&cx, GKDC_COSE_ALG_A128GCM, key.b, key.len, iv.b,
                                     iv.len, pt.b, out, pt.len));
}

/* ---- ES256 and P-256 ---- */

/* RFC 6979 appendix A.2.5: the P-256 key and the SHA-256 signatures. */
#define RFC6979_X "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"
#define RFC6979_PUB                                                                       \
  "04"                                                                                    \
  "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"                      \
  "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"
#define RFC6979_SIG_SAMPLE                                                                \
  "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"                      \
  "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"
#define RFC6979_SIG_TEST                                                                  \
  "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367"                      \
  "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083"

static void test_es256_rfc6979_verify(void)
{
  struct hexbuf x = hb(RFC6979_X), pub = hb(RFC6979_PUB);
  struct hexbuf sig = hb(RFC6979_SIG_SAMPLE), sig2 = hb(RFC6979_SIG_TEST);
  /* The same key in SEC 1 compressed form (y is odd). */
  struct hexbuf pubc = hb("0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6");
  uint8_t got[65];
  size_t got_len = sizeof(got);

  CU_ASSERT_TRUE(gkdc_crypto_public_from_private(&cx, GKDC_COSE_CRV_P256, x.b, x.len, got,
                                                 &got_len));
  CU_ASSERT_TRUE(bytes_equal_hex(got, got_len, RFC6979_PUB));

  CU_ASSERT_TRUE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_ES256, pub.b, pub.len,
                                    (const uint8_t *)"sample", 6, sig.b, sig.len));
  CU_ASSERT_TRUE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_ES256, pub.b, pub.len,
                                    (const uint8_t *)"test", 4, sig2.b, sig2.len));
  CU_ASSERT_TRUE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_ES256, pubc.b, pubc.len,
                                    (const uint8_t *)"sample", 6, sig.b, sig.len));

  CU_ASSERT_FALSE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_ES256, pub.b, pub.len,
                                     (const uint8_t *)"sample", 6, sig2.b, sig2.len));
  CU_ASSERT_FALSE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_ES256, pub.b, pub.len,
                                     (const uint8_t *)"samplE", 6, sig.b, sig.len));
  sig.b[63] ^= 0x01;
  CU_ASSERT_FALSE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_ES256, pub.b, pub.len,
                                     (const uint8_t *)"sample", 6, sig.b, sig.len));
  sig.b[63] ^= 0x01;
  CU_ASSERT_FALSE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_ES256, pub.b, pub.len,
                                     (const uint8_t *)"sample", 6, sig.b, 63));
  /* r = 0 and s = 0 are never valid (RFC 6979 section 2.4). */
  memset(sig.b, 0, 32);
  CU_ASSERT_FALSE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_ES256, pub.b, pub.len,
                                     (const uint8_t *)"sample", 6, sig.b, sig.len));
}

static void test_es256_der(void)
{
  struct hexbuf sig = hb(RFC6979_SIG_SAMPLE), sig2 = hb(RFC6979_SIG_TEST);
  /* DER forms computed with Python's cryptography.encode_dss_signature(). */
  const char *der1 = "3046022100efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
                     "022100f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8";
  const char *der2 = "3045022100f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367"
                     "0220019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083";
  uint8_t der[GKDC_MAX_DER_SIG_LEN + 2], raw[64];
  size_t der_len = sizeof(der), raw_len = sizeof(raw);
  struct hexbuf d;

  CU_ASSERT_TRUE(gkdc_crypto_ecdsa_raw_to_der(&cx, sig.b, sig.len, der, &der_len));
  CU_ASSERT_TRUE(bytes_equal_hex(der, der_len, der1));
  CU_ASSERT_TRUE(gkdc_crypto_ecdsa_der_to_raw(&cx, der, der_len, raw, &raw_len));
  CU_ASSERT_TRUE(bytes_equal_hex(raw, raw_len, RFC6979_SIG_SAMPLE));

  der_len = sizeof(der);
  CU_ASSERT_TRUE(gkdc_crypto_ecdsa_raw_to_der(&cx, sig2.b, sig2.len, der, &der_len));
  CU_ASSERT_TRUE(bytes_equal_hex(der, der_len, der2));
  raw_len = sizeof(raw);
  CU_ASSERT_TRUE(gkdc_crypto_ecdsa_der_to_raw(&cx, der, der_len, raw, &raw_len));
  CU_ASSERT_TRUE(bytes_equal_hex(raw, raw_len, RFC6979_SIG_TEST));

  /* Too small buffers, trailing bytes, truncation, a wrong raw length. */
  der_len = 71;
  CU_ASSERT_FALSE(gkdc_crypto_ecdsa_raw_to_der(&cx, sig.b, sig.len, der, &der_len));
  der_len = sizeof(der);
  CU_ASSERT_FALSE(gkdc_crypto_ecdsa_raw_to_der(&cx, sig.b, 63, der, &der_len));
  d = hb(der1);
  d.b[d.len++] = 0x00;
  raw_len = sizeof(raw);
  CU_ASSERT_FALSE(gkdc_crypto_ecdsa_der_to_raw(&cx, d.b, d.len, raw, &raw_len));
  CU_ASSERT_FALSE(gkdc_crypto_ecdsa_der_to_raw(&cx, d.b, d.len - 2, raw, &raw_len));
  raw_len = 63;
  CU_ASSERT_FALSE(gkdc_crypto_ecdsa_der_to_raw(&cx, d.b, d.len - 1, raw, &raw_len));
  /* An r of 33 significant bytes does not fit a P-256 raw signature. */
  d = hb("3047022201ff" "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
         "022100f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
  raw_len = sizeof(raw);
  CU_ASSERT_FALSE(gkdc_crypto_ecdsa_der_to_raw(&cx, d.b, d.len, raw, &raw_len));
}

static void test_es256_round_trip(void)
{
  uint8_t priv[32], pub[65], sig[64], der[GKDC_MAX_DER_SIG_LEN], raw[64];
  size_t priv_len = sizeof(priv), pub_len = sizeof(pub), sig_len = sizeof(sig);
  size_t der_len = sizeof(der), raw_len = sizeof(raw), i;
  const uint8_t msg[] = "gkdc ES256 round trip";

  CU_ASSERT_TRUE_FATAL(gkdc_crypto_keygen(&cx, GKDC_COSE_CRV_P256, priv, &priv_len, pub,
                                          &pub_len));
  CU_ASSERT_EQUAL(priv_len, 32);
  CU_ASSERT_EQUAL(pub_len, 65);
  CU_ASSERT_EQUAL(pub[0], 0x04);

  for (i = 0; i < 4; i++) {
    sig_len = sizeof(sig);
    CU_ASSERT_TRUE_FATAL(gkdc_crypto_sign(&cx, GKDC_COSE_ALG_ES256, priv, priv_len, msg,
                                          sizeof(msg), sig, &sig_len));
    CU_ASSERT_EQUAL(sig_len, 64);
    CU_ASSERT_TRUE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_ES256, pub, pub_len, msg,
                                      sizeof(msg), sig, sig_len));

    der_len = sizeof(der);
    raw_len = sizeof(raw);
    CU_ASSERT_TRUE(gkdc_crypto_ecdsa_raw_to_der(&cx, sig, sig_len, der, &der_len));
    CU_ASSERT_TRUE(der_len >= 8 && der_len <= GKDC_MAX_DER_SIG_LEN);
    CU_ASSERT_TRUE(gkdc_crypto_ecdsa_der_to_raw(&cx, der, der_len, raw, &raw_len));
    CU_ASSERT_EQUAL(raw_len, 64);
    CU_ASSERT_EQUAL(memcmp(raw, sig, 64), 0);
    CU_ASSERT_TRUE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_ES256, pub, pub_len, msg,
                                      sizeof(msg), raw, raw_len));
  }

  /* A signature by another key does not verify. */
  CU_ASSERT_FALSE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_ES256, hb(RFC6979_PUB).b, 65, msg,
                                     sizeof(msg), sig, sig_len));
}

static void test_es256_bad_private(void)
{
  /* 0 and n (the group order) are outside [1, n-1]. */
  struct hexbuf zero = hb("0000000000000000000000000000000000000000000000000000000000000000");
  struct hexbuf n = hb("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  uint8_t sig[64], pub[65];
  size_t sig_len = sizeof(sig), pub_len = sizeof(pub);

  CU_ASSERT_FALSE(gkdc_crypto_sign(&cx, GKDC_COSE_ALG_ES256, zero.b, 32,
                                   (const uint8_t *)"m", 1, sig, &sig_len));
  CU_ASSERT_FALSE(gkdc_crypto_sign(&cx, GKDC_COSE_ALG_ES256, n.b, 32, (const uint8_t *)"m",
                                   1, sig, &sig_len));
  CU_ASSERT_FALSE(gkdc_crypto_public_from_private(&cx, GKDC_COSE_CRV_P256, n.b, 32, pub,
                                                  &pub_len));
  pub_len = 64;
  CU_ASSERT_FALSE(gkdc_crypto_public_from_private(&cx, GKDC_COSE_CRV_P256,
                                                  hb(RFC6979_X).b, 32, pub, &pub_len));
}

/* P-256 ECDH; the shared secret was computed with Python's cryptography
 * (ec.ECDH) for the RFC 6979 key and a second fixed key. */
static void test_p256_ecdh(void)
{
  struct hexbuf x = hb(RFC6979_X), pub1 = hb(RFC6979_PUB);
  struct hexbuf d2 = hb("7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534");
  struct hexbuf pub2 = hb("04ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230"
                          "28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141");
  const char *z_hex = "61e109425a7adbb9d0137091cff10a55550b708d14ad0137b80fa0ec1328394f";
  uint8_t z[32];
  size_t z_len = sizeof(z);

  CU_ASSERT_TRUE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_P256, x.b, x.len, pub2.b, pub2.len, z,
                                  &z_len));
  CU_ASSERT_TRUE(bytes_equal_hex(z, z_len, z_hex));
  z_len = sizeof(z);
  CU_ASSERT_TRUE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_P256, d2.b, d2.len, pub1.b, pub1.len,
                                  z, &z_len));
  CU_ASSERT_TRUE(bytes_equal_hex(z, z_len, z_hex));
}

static void test_p256_ecdh_invalid(void)
{
  struct hexbuf x = hb(RFC6979_X), pub = hb(RFC6979_PUB);
  struct hexbuf zero = hb("0000000000000000000000000000000000000000000000000000000000000000");
  uint8_t z[32], bad[65];
  size_t z_len = sizeof(z);

  /* Off the curve: y + 1. */
  memcpy(bad, pub.b, 65);
  bad[64] ^= 0x01;
  CU_ASSERT_FALSE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_P256, x.b, 32, bad, 65, z, &z_len));
  CU_ASSERT_FALSE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_ES256, bad, 65,
                                     (const uint8_t *)"sample", 6, hb(RFC6979_SIG_SAMPLE).b,
                                     64));
  /* The all-zero point (0, 0) is not on P-256. */
  memset(bad + 1, 0, 64);
  CU_ASSERT_FALSE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_P256, x.b, 32, bad, 65, z, &z_len));
  /* Wrong format byte, wrong lengths, the encoding of infinity. */
  memcpy(bad, pub.b, 65);
  bad[0] = 0x05;
  CU_ASSERT_FALSE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_P256, x.b, 32, bad, 65, z, &z_len));
  CU_ASSERT_FALSE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_P256, x.b, 32, pub.b, 64, z, &z_len));
  bad[0] = 0x00;
  CU_ASSERT_FALSE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_P256, x.b, 32, bad, 1, z, &z_len));
  /* Private keys out of range or of a wrong length. */
  CU_ASSERT_FALSE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_P256, zero.b, 32, pub.b, 65, z,
                                   &z_len));
  CU_ASSERT_FALSE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_P256, x.b, 31, pub.b, 65, z, &z_len));
  z_len = 31;
  CU_ASSERT_FALSE(gkdc_crypto_ecdh(&cx, GKDC_COSE_CRV_P256, x.b, 32, pub.b, 65, z, &z_len));
}

/* ---- key generation and randomness ---- */

static void test_keygen_all_curves(void)
{
  static const int32_t curves[] = {GKDC_COSE_CRV_P256, GKDC_COSE_CRV_X25519,
                                   GKDC_COSE_CRV_ED25519};
  static const size_t pub_lens[] = {65, 32, 32};
  size_t i;

  for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
    uint8_t priv[32], priv2[32], pub[65], pub2[65], again[65];
    size_t priv_len = sizeof(priv), pub_len = sizeof(pub), again_len = sizeof(again);
    size_t priv2_len = sizeof(priv2), pub2_len = sizeof(pub2);

    CU_ASSERT_TRUE_FATAL(gkdc_crypto_keygen(&cx, curves[i], priv, &priv_len, pub, &pub_len));
    CU_ASSERT_EQUAL(priv_len, 32);
    CU_ASSERT_EQUAL(pub_len, pub_lens[i]);
    CU_ASSERT_TRUE(gkdc_crypto_public_from_private(&cx, curves[i], priv, priv_len, again,
                                                   &again_len));
    CU_ASSERT_EQUAL(again_len, pub_len);
    CU_ASSERT_EQUAL(memcmp(again, pub, pub_len), 0);

    CU_ASSERT_TRUE_FATAL(gkdc_crypto_keygen(&cx, curves[i], priv2, &priv2_len, pub2,
                                            &pub2_len));
    CU_ASSERT_NOT_EQUAL(memcmp(priv, priv2, 32), 0);

    if (curves[i] != GKDC_COSE_CRV_ED25519) {
      uint8_t z1[32], z2[32];
      size_t z1_len = sizeof(z1), z2_len = sizeof(z2);

      CU_ASSERT_TRUE(gkdc_crypto_ecdh(&cx, curves[i], priv, 32, pub2, pub2_len, z1, &z1_len));
      CU_ASSERT_TRUE(gkdc_crypto_ecdh(&cx, curves[i], priv2, 32, pub, pub_len, z2, &z2_len));
      CU_ASSERT_EQUAL(memcmp(z1, z2, 32), 0);
    } else {
      uint8_t sig[64];
      size_t sig_len = sizeof(sig);

      CU_ASSERT_TRUE(gkdc_crypto_sign(&cx, GKDC_COSE_ALG_EDDSA, priv, 32,
                                      (const uint8_t *)"m", 1, sig, &sig_len));
      CU_ASSERT_TRUE(gkdc_crypto_verify(&cx, GKDC_COSE_ALG_EDDSA, pub, 32,
                                        (const uint8_t *)"m", 1, sig, sig_len));
    }
  }
}

static void test_keygen_invalid(void)
{
  uint8_t priv[32], pub[65];
  size_t priv_len = sizeof(priv), pub_len = 64;

  CU_ASSERT_FALSE(gkdc_crypto_keygen(&cx, GKDC_COSE_CRV_P256, priv, &priv_len, pub, &pub_len));
  pub_len = sizeof(pub);
  priv_len = 31;
  CU_ASSERT_FALSE(gkdc_crypto_keygen(&cx, GKDC_COSE_CRV_X25519, priv, &priv_len, pub,
                                     &pub_len));
  priv_len = sizeof(priv);
  CU_ASSERT_FALSE(gkdc_crypto_keygen(&cx, 2 /* P-384 */, priv, &priv_len, pub, &pub_len));
}

static void test_random(void)
{
  uint8_t a[32], b[32];

  memset(a, 0, sizeof(a));
  memset(b, 0, sizeof(b));
  CU_ASSERT_TRUE(gkdc_crypto_random(&cx, a, sizeof(a)));
  CU_ASSERT_TRUE(gkdc_crypto_random(&cx, b, sizeof(b)));
  CU_ASSERT_NOT_EQUAL(memcmp(a, b, sizeof(a)), 0);
  CU_ASSERT_FALSE(all_bytes_are(a, sizeof(a), 0));
  CU_ASSERT_TRUE(gkdc_crypto_random(&cx, NULL, 0));
}

static void test_unknown_algorithms(void)
{
  uint8_t key[32] = {0}, out[64];
  size_t out_len = sizeof(out);

  CU_ASSERT_FALSE(gkdc_crypto_sign(&cx, GKDC_COSE_ALG_A128GCM, key, 32,
                                   (const uint8_t *)"m", 1, out, &out_len));
  CU_ASSERT_FALSE(gkdc_crypto_sign(&cx, -35 /* ES384 */, key, 32, (const uint8_t *)"m", 1,
                                   out, &out_len));
  CU_ASSERT_FALSE(gkdc_crypto_aead_seal(&cx, GKDC_COSE_ALG_EDDSA, key, 32, key, 12, NULL, 0,
                                        key, 4, out, &out_len));
  CU_ASSERT_FALSE(gkdc_crypto_aead_seal(&cx, 11 /* AES-CCM-16-64-256 */, key, 32, key, 13,
                                        NULL, 0, key, 4, out, &out_len));
  CU_ASSERT_FALSE(gkdc_crypto_hash(&cx, -43 /* SHA-384 */, key, 4, out, &out_len));
}

int main(void)
{
  CU_pSuite suite;
  unsigned int failures;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("alg-boringssl", suite_init, suite_clean);
  CU_add_test(suite, "descriptor", test_descriptor);
  CU_add_test(suite, "alg info", test_alg_info);
  CU_add_test(suite, "Ed25519 RFC 8032", test_ed25519_rfc8032);
  CU_add_test(suite, "Ed25519 bad sizes", test_ed25519_bad_sizes);
  CU_add_test(suite, "X25519 RFC 7748 vectors", test_x25519_rfc7748_vectors);
  CU_add_test(suite, "X25519 RFC 7748 iterated", test_x25519_rfc7748_iterated);
  CU_add_test(suite, "X25519 RFC 7748 DH", test_x25519_rfc7748_dh);
  CU_add_test(suite, "X25519 invalid inputs", test_x25519_invalid);
  CU_add_test(suite, "Ed25519 to X25519", test_ed25519_to_x25519);
  CU_add_test(suite, "Ed25519 to X25519 invalid", test_ed25519_to_x25519_invalid);
  CU_add_test(suite, "HKDF-SHA-256 RFC 5869", test_hkdf_sha256_rfc5869);
  CU_add_test(suite, "HKDF-SHA-512 Python", test_hkdf_sha512_python);
  CU_add_test(suite, "HKDF invalid", test_hkdf_invalid);
  CU_add_test(suite, "HMAC RFC 4231", test_hmac_rfc4231);
  CU_add_test(suite, "HMAC small buffer", test_hmac_small_buffer);
  CU_add_test(suite, "SHA-2 abc", test_hash_abc);
  CU_add_test(suite, "ChaCha20/Poly1305 RFC 8439", test_chacha20_poly1305_rfc8439);
  CU_add_test(suite, "AES-CCM-16-64-128 RFC 8613", test_ccm_16_64_128_rfc8613);
  CU_add_test(suite, "AEAD COSE WG examples", test_aead_cose_examples);
  CU_add_test(suite, "AES-CCM RFC 3610 packet 1", test_ccm_rfc3610_packet1);
  CU_add_test(suite, "AES-CCM matches bluetooth_8", test_ccm_matches_bluetooth_8);
  CU_add_test(suite, "AES-CCM tag lengths", test_ccm_tag_lengths);
  CU_add_test(suite, "AES-CCM invalid", test_ccm_invalid);
  CU_add_test(suite, "AEAD in place", test_aead_in_place);
  CU_add_test(suite, "A128CTR SP 800-38A", test_a128ctr_sp800_38a);
  CU_add_test(suite, "ES256 RFC 6979 verify", test_es256_rfc6979_verify);
  CU_add_test(suite, "ES256 DER conversion", test_es256_der);
  CU_add_test(suite, "ES256 round trip", test_es256_round_trip);
  CU_add_test(suite, "ES256 bad private key", test_es256_bad_private);
  CU_add_test(suite, "P-256 ECDH", test_p256_ecdh);
  CU_add_test(suite, "P-256 ECDH invalid", test_p256_ecdh_invalid);
  CU_add_test(suite, "keygen all curves", test_keygen_all_curves);
  CU_add_test(suite, "keygen invalid", test_keygen_invalid);
  CU_add_test(suite, "random", test_random);
  CU_add_test(suite, "unknown algorithms", test_unknown_algorithms);

  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
             CU_get_number_of_suites_failed();
  CU_cleanup_registry();
  return failures == 0 ? 0 : 1;
}
