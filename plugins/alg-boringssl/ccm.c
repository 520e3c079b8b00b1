/*
 * AES-CCM (RFC 3610, NIST SP 800-38C) with a 2-byte length field (L = 2,
 * so a 13-byte nonce) and an 8- or 16-byte tag: COSE algorithms 10
 * (AES-CCM-16-64-128) and 30 (AES-CCM-16-128-128).
 *
 * The BoringSSL of Debian 12 (android-libboringssl, API version 17) exports
 * only EVP_aead_aes_128_ccm_bluetooth_8, the 8-byte-tag variant, so both tag
 * lengths are built here on the AES block function: CBC-MAC over B_0, the
 * encoded associated data and the plaintext, then CTR mode with counter
 * blocks A_i = flags || nonce || i. The unit tests compare the 8-byte-tag
 * output with EVP_aead_aes_128_ccm_bluetooth_8.
 */
#include <string.h>

#include <openssl/aes.h>
#include <openssl/mem.h>

#include "alg_internal.h"

#define CCM_BLOCK 16
#define CCM_L 2

/* CBC-MAC state: the running block X_i and how many bytes of the next input
 * block have been XORed into it. */
struct ccm_mac {
  const AES_KEY *key;
  uint8_t x[CCM_BLOCK];
  size_t pos;
};

static void ccm_mac_update(struct ccm_mac *mac, const uint8_t *data, size_t len)
{
  size_t i;

  for (i = 0; i < len; i++) {
    mac->x[mac->pos++] ^= data[i];
    if (mac->pos == CCM_BLOCK) {
      AES_encrypt(mac->x, mac->x, mac->key);
      mac->pos = 0;
    }
  }
}

/* Pads the current block with zeros (RFC 3610 section 2.2) and encrypts it. */
static void ccm_mac_pad(struct ccm_mac *mac)
{
  if (mac->pos != 0) {
    AES_encrypt(mac->x, mac->x, mac->key);
    mac->pos = 0;
  }
}

/*
 * Starts the CBC-MAC: B_0, then the associated data prefixed with its
 * length in the encoding of RFC 3610 section 2.2 (2 bytes below 0xff00,
 * else 0xfffe and 4 bytes, else 0xffff and 8 bytes).
 */
static void ccm_mac_start(struct ccm_mac *mac, const AES_KEY *key, size_t tag_len,
                          const uint8_t *nonce, const uint8_t *aad,
                          size_t aad_len, size_t msg_len)
{
  uint8_t b0[CCM_BLOCK];
  uint8_t len_enc[10];
  size_t len_enc_len = 0;
  uint64_t alen = (uint64_t)aad_len;

  mac->key = key;
  mac->pos = 0;
  memset(mac->x, 0, sizeof(mac->x));

  b0[0] = (uint8_t)((aad_len > 0 ? 0x40 : 0x00) | (((tag_len - 2) / 2) << 3) |
                    (CCM_L - 1));
  memcpy(b0 + 1, nonce, ALG_CCM_NONCE_LEN);
  b0[14] = (uint8_t)(msg_len >> 8);
  b0[15] = (uint8_t)msg_len;
  ccm_mac_update(mac, b0, sizeof(b0));

  if (aad_len == 0)
    return;

  if (alen < 0xff00) {
    len_enc[0] = (uint8_t)(alen >> 8);
    len_enc[1] = (uint8_t)alen;
    len_enc_len = 2;
  } else if (alen <= 0xffffffffu) {
    len_enc[0] = 0xff;
    len_enc[1] = 0xfe;
    for (size_t i = 0; i < 4; i++)
      len_enc[2 + i] = (uint8_t)(alen >> (8 * (3 - i)));
    len_enc_len = 6;
  } else {
    len_enc[0] = 0xff;
    len_enc[1] = 0xff;
    for (size_t i = 0; i < 8; i++)
      len_enc[2 + i] = (uint8_t)(alen >> (8 * (7 - i)));
    len_enc_len = 10;
  }
  ccm_mac_update(mac, len_enc, len_enc_len);
  ccm_mac_update(mac, aad, aad_len);
  ccm_mac_pad(mac);
}

/* Writes the key stream block S_i = E(K, A_i). */
static void ccm_keystream(const AES_KEY *key, const uint8_t *nonce,
                          size_t counter, uint8_t s[CCM_BLOCK])
{
  uint8_t a[CCM_BLOCK];

  a[0] = CCM_L - 1;
  memcpy(a + 1, nonce, ALG_CCM_NONCE_LEN);
  a[14] = (uint8_t)(counter >> 8);
  a[15] = (uint8_t)counter;
  AES_encrypt(a, s, key);
}

/* XORs `len` bytes of `in` with the key stream from S_1 on into `out`. */
static void ccm_ctr(const AES_KEY *key, const uint8_t *nonce, const uint8_t *in,
                    uint8_t *out, size_t len)
{
  uint8_t s[CCM_BLOCK];
  size_t off, n, i;

  for (off = 0; off < len; off += CCM_BLOCK) {
    ccm_keystream(key, nonce, off / CCM_BLOCK + 1, s);
    n = len - off < CCM_BLOCK ? len - off : CCM_BLOCK;
    for (i = 0; i < n; i++)
      out[off + i] = in[off + i] ^ s[i];
  }
  OPENSSL_cleanse(s, sizeof(s));
}

static int ccm_params_ok(size_t tag_len, size_t msg_len)
{
  return (tag_len == 8 || tag_len == 16) && msg_len <= ALG_CCM_MAX_PLAINTEXT;
}

int alg_ccm_seal(const uint8_t key[ALG_CCM_KEY_LEN], size_t tag_len,
                 const uint8_t nonce[ALG_CCM_NONCE_LEN], const uint8_t *aad,
                 size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out)
{
  AES_KEY aes;
  struct ccm_mac mac;
  uint8_t s0[CCM_BLOCK];
  uint8_t tag[CCM_BLOCK];
  size_t i;
  int ok = 0;

  if (!ccm_params_ok(tag_len, in_len))
    return 0;
  if (AES_set_encrypt_key(key, 128, &aes) != 0)
    return 0;

  /* The MAC reads the plaintext before CTR mode overwrites it when
   * out == in. */
  ccm_mac_start(&mac, &aes, tag_len, nonce, aad, aad_len, in_len);
  ccm_mac_update(&mac, in, in_len);
  ccm_mac_pad(&mac);

  ccm_keystream(&aes, nonce, 0, s0);
  for (i = 0; i < tag_len; i++)
    tag[i] = mac.x[i] ^ s0[i];

  ccm_ctr(&aes, nonce, in, out, in_len);
  memcpy(out + in_len, tag, tag_len);
  ok = 1;

  OPENSSL_cleanse(&aes, sizeof(aes));
  OPENSSL_cleanse(&mac, sizeof(mac));
  OPENSSL_cleanse(s0, sizeof(s0));
  OPENSSL_cleanse(tag, sizeof(tag));
  return ok;
}

int alg_ccm_open(const uint8_t key[ALG_CCM_KEY_LEN], size_t tag_len,
                 const uint8_t nonce[ALG_CCM_NONCE_LEN], const uint8_t *aad,
                 size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out)
{
  AES_KEY aes;
  struct ccm_mac mac;
  uint8_t s[CCM_BLOCK];
  uint8_t block[CCM_BLOCK];
  uint8_t tag[CCM_BLOCK];
  size_t msg_len, off, n, i;
  int ok = 0;

  if (in_len < tag_len)
    return 0;
  msg_len = in_len - tag_len;
  if (!ccm_params_ok(tag_len, msg_len))
    return 0;
  if (AES_set_encrypt_key(key, 128, &aes) != 0)
    return 0;

  /* First pass: decrypt block by block into a local buffer only to feed
   * the MAC, so that `out` stays untouched unless the tag matches. */
  ccm_mac_start(&mac, &aes, tag_len, nonce, aad, aad_len, msg_len);
  for (off = 0; off < msg_len; off += CCM_BLOCK) {
    ccm_keystream(&aes, nonce, off / CCM_BLOCK + 1, s);
    n = msg_len - off < CCM_BLOCK ? msg_len - off : CCM_BLOCK;
    for (i = 0; i < n; i++)
      block[i] = in[off + i] ^ s[i];
    ccm_mac_update(&mac, block, n);
  }
  ccm_mac_pad(&mac);

  ccm_keystream(&aes, nonce, 0, s);
  for (i = 0; i < tag_len; i++)
    tag[i] = mac.x[i] ^ s[i];
  if (CRYPTO_memcmp(tag, in + msg_len, tag_len) != 0)
    goto out;

  /* Second pass: the tag matched, so write the plaintext. */
  ccm_ctr(&aes, nonce, in, out, msg_len);
  ok = 1;

out:
  OPENSSL_cleanse(&aes, sizeof(aes));
  OPENSSL_cleanse(&mac, sizeof(mac));
  OPENSSL_cleanse(s, sizeof(s));
  OPENSSL_cleanse(block, sizeof(block));
  OPENSSL_cleanse(tag, sizeof(tag));
  return ok;
}
