using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Nattt.Turn.Auth;

/// <summary>What a NONCE sent by a client is worth.</summary>
public enum TurnNonceCheck : byte { Valid, Stale, Invalid }

/// <summary>
/// Stateless nonces (RFC 8489 section 9.2): the nonce is its own expiry (hex milliseconds) and an HMAC of it with a
/// per-process random key, so the server keeps no per-client state and a client cannot forge a fresh one. An
/// expired nonce gets 438 Stale Nonce and the client retries with the new one at once; an unrecognised nonce is
/// treated the same way (RFC 8489 allows it), which also covers a server restart. Thread-safe (read-only key).
/// </summary>
public sealed class TurnNonces
{
    private const int ExpiryHexLength = 16;
    private const int MacBytes = 8;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public TurnNonces(TimeSpan lifetime) => Lifetime = lifetime;

    /// <summary>How long a nonce stays valid (coturn's stale-nonce; 600 s by default).</summary>
    public TimeSpan Lifetime { get; }

    /// <summary>A fresh nonce valid until now + <see cref="Lifetime"/>.</summary>
    public string Issue(DateTimeOffset now)
    {
        long expiry = (now + Lifetime).ToUnixTimeMilliseconds();
        var text = expiry.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        return text + Convert.ToHexStringLower(Mac(text));
    }

    public TurnNonceCheck Check(ReadOnlySpan<byte> nonce, DateTimeOffset now)
    {
        if (nonce.Length != ExpiryHexLength + 2 * MacBytes) return TurnNonceCheck.Invalid;
        var text = Encoding.ASCII.GetString(nonce[..ExpiryHexLength]);
        Span<byte> sent = stackalloc byte[MacBytes];
        if (Convert.FromHexString(Encoding.ASCII.GetString(nonce[ExpiryHexLength..]), sent, out _, out int written) !=
            System.Buffers.OperationStatus.Done || written != MacBytes) return TurnNonceCheck.Invalid;
        if (!CryptographicOperations.FixedTimeEquals(sent, Mac(text))) return TurnNonceCheck.Invalid;
        if (!long.TryParse(text, System.Globalization.NumberStyles.AllowHexSpecifier, null, out long expiry)) return TurnNonceCheck.Invalid;
        return now.ToUnixTimeMilliseconds() < expiry ? TurnNonceCheck.Valid : TurnNonceCheck.Stale;
    }

    private byte[] Mac(string expiryHex)
    {
        var mac = HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(expiryHex));
        return mac[..MacBytes];
    }
}
