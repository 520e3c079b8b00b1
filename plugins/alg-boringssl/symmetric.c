/*
 * Symmetric algorithms of the alg-boringssl plugin: AEADs (AES-CCM on the
 * AES block function, AES-GCM and ChaCha20/Poly1305 via EVP_AEAD), AES-CTR,
 * HMAC, SHA-2 and HKDF.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/aead.h>
#include <openssl/aes.h>
#include <openssl/digest.h>
#include <openssl/hkdf.h>
#include <openssl/hmac.h>
#include <openssl/mem.h>
#include <openssl/sha.h>

#include "alg_internal.h"

/* BoringSSL may dereference an empty input; NULL with length 0 becomes this. */
static const uint8_t empty_input[1];

static const uint8_t *nonnull(const uint8_t *p)
{
  return p != NULL ? p : empty_input;
}

static const EVP_AEAD *evp_aead_for(int32_t alg)
{
  switch (alg) {
  case GKDC_COSE_ALG_A128GCM:
    return EVP_aead_aes_128_gcm();
  case GKDC_COSE_ALG_A256GCM:
    return EVP_aead_aes_256_gcm();
  case GKDC_COSE_ALG_CHACHA20_POLY1305:
    return EVP_aead_chacha20_poly1305();
  default:
    return NULL;
  }
}

static int is_ccm(int32_t alg)
{
  return alg == GKDC_COSE_ALG_AES_CCM_16_64_128 ||
         alg == GKDC_COSE_ALG_AES_CCM_16_128_128;
}

/* The digest behind a COSE hash id (-16, -44), or NULL. */
static const EVP_MD *evp_md_for_hash(int32_t hash_alg)
{
  switch (hash_alg) {
  case GKDC_COSE_ALG_SHA256:
    return EVP_sha256();
  case GKDC_COSE_ALG_SHA512:
    return EVP_sha512();
  default:
    return NULL;
  }
}

/* The digest behind a COSE HMAC id (4, 5, 7), or NULL. */
static const EVP_MD *evp_md_for_mac(int32_t alg)
{
  switch (alg) {
  case GKDC_COSE_ALG_HMAC_256_64:
  case GKDC_COSE_ALG_HMAC_256_256:
    return EVP_sha256();
  case GKDC_COSE_ALG_HMAC_512_512:
    return EVP_sha512();
  default:
    return NULL;
  }
}

/* Checks the key and nonce sizes of an AEAD call against its entry. */
static const struct gkdc_alg_info *aead_checked(int32_t alg, const uint8_t *key,
                                                size_t key_len,
                                                const uint8_t *nonce,
                                                size_t nonce_len,
                                                const uint8_t *aad,
                                                size_t aad_len, size_t *out_len)
{
  const struct gkdc_alg_info *info = alg_info_find(alg, GKDC_ALG_AEAD);

  if (info == NULL || key == NULL || nonce == NULL || out_len == NULL)
    return NULL;
  if (key_len != info->key_len || nonce_len != info->nonce_len)
    return NULL;
  if (aad == NULL && aad_len != 0)
    return NULL;
  return info;
}

/* Sets up an EVP_AEAD context; the caller always calls aead_ctx_free(). */
static int aead_ctx_init(EVP_AEAD_CTX *ctx, int32_t alg, const uint8_t *key,
                         size_t key_len, size_t tag_len)
{
  EVP_AEAD_CTX_zero(ctx);
  return EVP_AEAD_CTX_init(ctx, evp_aead_for(alg), key, key_len, tag_len, NULL);
}

/* Frees the context and wipes the key schedule stored inside it. */
static void aead_ctx_free(EVP_AEAD_CTX *ctx)
{
  EVP_AEAD_CTX_cleanup(ctx);
  OPENSSL_cleanse(ctx, sizeof(*ctx));
}

int alg_aead_seal(int32_t alg, const uint8_t *key, size_t key_len,
                  const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                  size_t aad_len, const uint8_t *in, size_t in_len,
                  uint8_t *out, size_t *out_len)
{
  const struct gkdc_alg_info *info;
  EVP_AEAD_CTX ctx;
  size_t written = 0;
  int ok = 0;

  info = aead_checked(alg, key, key_len, nonce, nonce_len, aad, aad_len, out_len);
  if (info == NULL || out == NULL || (in == NULL && in_len != 0))
    return 0;
  if (in_len > SIZE_MAX - info->tag_len || *out_len < in_len + info->tag_len)
    return 0;

  if (is_ccm(alg)) {
    if (!alg_ccm_seal(key, info->tag_len, nonce, nonnull(aad), aad_len,
                      nonnull(in), in_len, out))
      return 0;
    *out_len = in_len + info->tag_len;
    return 1;
  }

  if (!aead_ctx_init(&ctx, alg, key, key_len, info->tag_len))
    goto out;
  if (!EVP_AEAD_CTX_seal(&ctx, out, &written, *out_len, nonce, nonce_len,
                         nonnull(in), in_len, nonnull(aad), aad_len))
    goto out;
  *out_len = written;
  ok = 1;

out:
  aead_ctx_free(&ctx);
  return ok;
}

int alg_aead_open(int32_t alg, const uint8_t *key, size_t key_len,
                  const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                  size_t aad_len, const uint8_t *in, size_t in_len,
                  uint8_t *out, size_t *out_len)
{
  const struct gkdc_alg_info *info;
  EVP_AEAD_CTX ctx;
  uint8_t *plain = NULL;
  size_t plain_len, written = 0;
  int ok = 0;

  info = aead_checked(alg, key, key_len, nonce, nonce_len, aad, aad_len, out_len);
  if (info == NULL || in == NULL || in_len < info->tag_len)
    return 0;
  plain_len = in_len - info->tag_len;
  if (*out_len < plain_len || (out == NULL && plain_len != 0))
    return 0;

  if (is_ccm(alg)) {
    if (!alg_ccm_open(key, info->tag_len, nonce, nonnull(aad), aad_len, in,
                      in_len, out))
      return 0;
    *out_len = plain_len;
    return 1;
  }

  /* EVP_AEAD_CTX_open may write plaintext before it checks the tag: open
   * into a scratch buffer so `out` is written only on success. */
  plain = malloc(plain_len != 0 ? plain_len : 1);
  if (plain == NULL)
    return 0;

  if (!aead_ctx_init(&ctx, alg, key, key_len, info->tag_len))
    goto out;
  if (!EVP_AEAD_CTX_open(&ctx, plain, &written, plain_len, nonce, nonce_len,
                         in, in_len, nonnull(aad), aad_len))
    goto out;
  if (written != 0)
    memcpy(out, plain, written);
  *out_len = written;
  ok = 1;

out:
  aead_ctx_free(&ctx);
  OPENSSL_cleanse(plain, plain_len != 0 ? plain_len : 1);
  free(plain);
  return ok;
}

int alg_cipher(int32_t alg, const uint8_t *key, size_t key_len,
               const uint8_t *iv, size_t iv_len, const uint8_t *in,
               uint8_t *out, size_t len)
{
  const struct gkdc_alg_info *info = alg_info_find(alg, GKDC_ALG_CIPHER);
  AES_KEY aes;
  uint8_t counter[AES_BLOCK_SIZE];
  uint8_t ecount[AES_BLOCK_SIZE];
  unsigned int num = 0;

  if (info == NULL || key == NULL || iv == NULL)
    return 0;
  if (key_len != info->key_len || iv_len != info->nonce_len)
    return 0;
  if (len == 0)
    return 1;
  if (in == NULL || out == NULL)
    return 0;
  if (AES_set_encrypt_key(key, 8 * (unsigned)key_len, &aes) != 0)
    return 0;

  /* A128CTR: the IV is the whole first counter block, incremented as a
   * 128-bit big-endian integer. */
  memcpy(counter, iv, sizeof(counter));
  memset(ecount, 0, sizeof(ecount));
  AES_ctr128_encrypt(in, out, len, &aes, counter, ecount, &num);

  OPENSSL_cleanse(&aes, sizeof(aes));
  OPENSSL_cleanse(ecount, sizeof(ecount));
  return 1;
}

int alg_mac(int32_t alg, const uint8_t *key, size_t key_len,
            const uint8_t *msg, size_t msg_len, uint8_t *tag, size_t *tag_len)
{
  const struct gkdc_alg_info *info = alg_info_find(alg, GKDC_ALG_MAC);
  uint8_t full[EVP_MAX_MD_SIZE];
  unsigned int full_len = 0;
  int ok = 0;

  if (info == NULL || tag == NULL || tag_len == NULL || *tag_len < info->tag_len)
    return 0;
  if ((key == NULL && key_len != 0) || (msg == NULL && msg_len != 0))
    return 0;

  if (HMAC(evp_md_for_mac(alg), nonnull(key), key_len, nonnull(msg), msg_len,
           full, &full_len) == NULL)
    goto out;
  if (full_len < info->tag_len)
    goto out;

  /* HMAC 256/64 keeps the leftmost 64 bits (RFC 9053 section 3.1). */
  memcpy(tag, full, info->tag_len);
  *tag_len = info->tag_len;
  ok = 1;

out:
  OPENSSL_cleanse(full, sizeof(full));
  return ok;
}

int alg_hash(int32_t alg, const uint8_t *msg, size_t msg_len, uint8_t *digest,
             size_t *digest_len)
{
  const EVP_MD *md = evp_md_for_hash(alg);
  unsigned int n = 0;

  if (md == NULL || alg_info_find(alg, GKDC_ALG_HASH) == NULL)
    return 0;
  if (digest == NULL || digest_len == NULL || *digest_len < EVP_MD_size(md))
    return 0;
  if (msg == NULL && msg_len != 0)
    return 0;

  if (!EVP_Digest(nonnull(msg), msg_len, digest, &n, md, NULL))
    return 0;
  *digest_len = n;
  return 1;
}

int alg_hkdf(int32_t hash_alg, const uint8_t *salt, size_t salt_len,
             const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
             size_t info_len, uint8_t *out, size_t out_len)
{
  const EVP_MD *md = evp_md_for_hash(hash_alg);

  if (md == NULL || alg_info_find(hash_alg, GKDC_ALG_HKDF) == NULL)
    return 0;
  if ((ikm == NULL && ikm_len != 0) || (info == NULL && info_len != 0))
    return 0;
  if (salt == NULL)
    salt_len = 0;
  if (out_len == 0)
    return 1;
  if (out == NULL)
    return 0;

  /* An empty salt is HMAC's all-zero key of the hash length, as RFC 5869
   * section 2.2 specifies when the salt is not provided. HKDF fails
   * when out_len exceeds 255 hash lengths. */
  return HKDF(out, out_len, md, nonnull(ikm), ikm_len, nonnull(salt), salt_len,
              nonnull(info), info_len);
}
