/*
 * The CWT examples of RFC 8392 Appendix A (keys A.2, tokens A.3 to A.6) as
 * hex strings, for the COSE, CWT and inspect tests.
 */
#ifndef GKDC_TEST_CWT_VECTORS_H
#define GKDC_TEST_CWT_VECTORS_H

/* A.1: the claims set shared by every example (80 bytes). */
#define RFC8392_CLAIMS                                                         \
  "a70175636f61703a2f2f61732e6578616d706c652e636f6d02656572696b77037818636f" \
  "61703a2f2f6c696768742e6578616d706c652e636f6d041a5612aeb0051a5610d9f0061a" \
  "5610d9f007420b71"

/* A.2.1 Symmetric128 as a COSE_Key, and its k. */
#define RFC8392_KEY_SYM128_COSE                                                \
  "a42050231f4c4d4d3051fdc2ec0a3851d5b3830104024c53796d6d6574726963313238030a"
#define RFC8392_KEY_SYM128 "231f4c4d4d3051fdc2ec0a3851d5b383"

/* A.2.2 Symmetric256 k. */
#define RFC8392_KEY_SYM256                                                     \
  "403697de87af64611c1d32a05dab0fe1fcb715a86ab435f1ec99192d79569388"

/* A.2.3 AsymmetricECDSA256 (P-256). */
#define RFC8392_KEY_EC_D                                                       \
  "6c1382765aec5358f117733d281c1c7bdc39884d04a45a1e6c67c858bc206c19"
#define RFC8392_KEY_EC_X                                                       \
  "143329cce7868e416927599cf65a34f3ce2ffda55a7eca69ed8919a394d42f0f"
#define RFC8392_KEY_EC_Y                                                       \
  "60f7f1a780d8a783bfb7a2dd6b2796e8128dbbcef9d3d168db9529971a36e7b9"

/* A.3 signed CWT: COSE_Sign1, ES256. */
#define RFC8392_SIGN1                                                          \
  "d28443a10126a104524173796d6d657472696345434453413235365850" RFC8392_CLAIMS  \
  "58405427c1ff28d23fbad1f29c4c7c6a555e601d6fa29f9179bc3d7438bacaca5acd08c8" \
  "d4d4f96131680c429a01f85951ecee743a52b9b63632c57209120e1c9e30"

/* A.4 MACed CWT with the CWT tag: COSE_Mac0, HMAC 256/64. */
#define RFC8392_MAC0                                                           \
  "d83dd18443a10104a1044c53796d6d65747269633235365850" RFC8392_CLAIMS          \
  "48093101ef6d789200"

/* A.5 encrypted CWT: COSE_Encrypt0, AES-CCM-16-64-128. */
#define RFC8392_ENCRYPT0                                                       \
  "d08343a1010aa2044c53796d6d6574726963313238054d99a0d7846e762c49ffe8a63e0b" \
  "5858b918a11fd81e438b7f973d9e2e119bcb22424ba0f38a80f27562f400ee1d0d6c0fdb" \
  "559c02421fd384fc2ebe22d7071378b0ea7428fff157444d45f7e6afcda1aae5f6495830" \
  "c58627087fc5b4974f319a8707a635dd643b"

/* A.6 nested CWT: the A.3 token encrypted like A.5 with another IV. */
#define RFC8392_NESTED                                                         \
  "d08343a1010aa2044c53796d6d6574726963313238054d4a0694c0e69ee6b5956655c7b2" \
  "58b7f6b0914f993de822cc47e5e57a188d7960b528a747446fe12f0e7de05650dec74724" \
  "366763f167a29c002dfd15b34d8993391cf49bc91127f545dba8703d66f5b7f1ae912375" \
  "03d371e6333df9708d78c4fb8a8386c8ff09dc49af768b23179deab78d96490a66d5724f" \
  "b33900c60799d9872fac6da3bdb89043d67c2a05414ce331b5b8f1ed8ff7138f45905db2" \
  "c4d5bc8045ab372bff142631610a7e0f677b7e9b0bc73adefdcee16d9d5d284c616abeab" \
  "5d8c291ce0"

#endif /* GKDC_TEST_CWT_VECTORS_H */
