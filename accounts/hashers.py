"""Password storage: Argon2id with OWASP's recommended parameters.

OWASP's Password Storage Cheat Sheet puts Argon2id first, at a minimum of 19 MiB of memory,
2 iterations and 1 degree of parallelism. Memory-hard hashing costs an attacker with GPUs far
more than Django's default PBKDF2 (1,000,000 SHA-256 iterations), while it costs this server
~30 ms of one core per login instead of ~350 ms: on a 2-core machine a morning of 50 clerks
logging in, or someone hammering the login form (the lockout stops guessing, not the hashing),
no longer queues every other request behind the hashes (docs/performance.md §5).

Existing PBKDF2 hashes stay valid and are re-hashed with Argon2id at the user's next login
(Django upgrades a hash made by any hasher other than the first of PASSWORD_HASHERS).
"""
from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    # Keep the algorithm name "argon2": stored hashes stay readable by Django's own hasher.
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
