/* Proof-of-work solver of the portal's browser check (portal/challenge.py), run as a Web Worker.
 *
 * Protocol (ALTCHA's, version 1): the server sends {algorithm: "SHA-256", challenge, salt, maxnumber,
 * signature}; challenge is the hex SHA-256 of salt + the decimal text of a secret number in
 * [0, maxnumber]. The worker tries 0, 1, 2, … until the hash matches and posts back {number, took}
 * ({number: null} if none up to maxnumber matches: a challenge that was not ours).
 *
 * SHA-256 is computed here in plain JavaScript (FIPS 180-4) rather than with crypto.subtle: one
 * asynchronous digest call per candidate costs a browser several times more than the hash itself,
 * which would make the visitor wait longer for the same cost to a bot, and crypto.subtle is missing
 * on plain-HTTP pages. The salt is written into the message buffer once; per candidate only the
 * digits, the padding and the length change, and the digest is compared as eight 32-bit words.
 */
"use strict";

var K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
]);
var H0 = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/* SHA-256 of the first `length` bytes of `message` (a Uint8Array with room for the padding) into
 * `out` (Int32Array of 8). Writes the padding into `message`. */
function sha256(message, length, out, w) {
  var blocks = ((length + 8) >> 6) + 1;
  var end = blocks * 64;
  message[length] = 0x80;
  for (var p = length + 1; p < end - 4; p++) { message[p] = 0; }
  var bits = length * 8;
  message[end - 4] = bits >>> 24; message[end - 3] = (bits >>> 16) & 255;
  message[end - 2] = (bits >>> 8) & 255; message[end - 1] = bits & 255;
  out.set(H0);
  for (var offset = 0; offset < end; offset += 64) {
    var i, t1, t2, x, y;
    for (i = 0; i < 16; i++) {
      var j = offset + i * 4;
      w[i] = (message[j] << 24) | (message[j + 1] << 16) | (message[j + 2] << 8) | message[j + 3];
    }
    for (i = 16; i < 64; i++) {
      x = w[i - 15]; y = w[i - 2];
      w[i] = (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w[i - 16] +
             (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)) + w[i - 7];
    }
    var a = out[0], b = out[1], c = out[2], d = out[3], e = out[4], f = out[5], g = out[6], h = out[7];
    for (i = 0; i < 64; i++) {
      t1 = h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
           ((e & f) ^ (~e & g)) + K[i] + w[i];
      t2 = (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
           ((a & b) ^ (a & c) ^ (b & c));
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    out[0] += a; out[1] += b; out[2] += c; out[3] += d; out[4] += e; out[5] += f; out[6] += g; out[7] += h;
  }
}

/* The smallest number in [0, maxnumber] whose hash with `salt` is the hex `challenge`, or null. */
function solve(salt, challenge, maxnumber) {
  var prefix = new TextEncoder().encode(salt);
  var message = new Uint8Array(prefix.length + 16 + 72);
  message.set(prefix);
  var target = new Int32Array(8);
  for (var k = 0; k < 8; k++) { target[k] = parseInt(challenge.substr(k * 8, 8), 16) | 0; }
  var out = new Int32Array(8), w = new Int32Array(64);
  var digits = [0];  // the decimal digits of n, most significant first, counted up in place
  for (var n = 0; n <= maxnumber; n++) {
    if (n > 0) {
      var pos = digits.length - 1;
      while (pos >= 0 && digits[pos] === 9) { digits[pos] = 0; pos--; }
      if (pos < 0) { digits.unshift(1); } else { digits[pos]++; }
    }
    for (var d = 0; d < digits.length; d++) { message[prefix.length + d] = 48 + digits[d]; }
    sha256(message, prefix.length + digits.length, out, w);
    if (out[0] === target[0] && out[1] === target[1] && out[2] === target[2] && out[3] === target[3] &&
        out[4] === target[4] && out[5] === target[5] && out[6] === target[6] && out[7] === target[7]) {
      return n;
    }
  }
  return null;
}

self.onmessage = function (event) {
  var c = event.data;
  var started = Date.now();
  var number = c.algorithm === "SHA-256" ? solve(c.salt, c.challenge, c.maxnumber) : null;
  self.postMessage({number: number, took: Date.now() - started});
};
