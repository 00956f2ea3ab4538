using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Nattt.Stun.Wire;

namespace Nattt.Stun.Auth;

/// <summary>
/// Stateless nonces for long-term credentials (RFC 8489 section 9.2): "obMatJos2" + the security feature bits +
/// base64url(expiry || HMAC-SHA256(secret, expiry || client address)[..12]). Nothing is stored per client, so a flood
/// of challenges costs no memory; a nonce is bound to the client's address and port and expires.
/// Thread-safe (the secret is read-only).
/// </summary>
public sealed class StunNonceIssuer
{
    private const int MacLength = 12;
    private readonly byte[] _secret;
    private readonly TimeProvider _time;

    public StunNonceIssuer(TimeProvider time, TimeSpan lifetime, StunSecurityFeatures features, byte[]? secret = null)
    {
        if (lifetime <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lifetime));
        _time = time;
        Lifetime = lifetime;
        Features = features;
        _secret = secret ?? RandomNumberGenerator.GetBytes(32);
    }

    public TimeSpan Lifetime { get; }
    public StunSecurityFeatures Features { get; }

    /// <summary>A fresh nonce for <paramref name="client"/>, valid for <see cref="Lifetime"/>.</summary>
    public string Issue(IPEndPoint client)
    {
        long expiry = (_time.GetUtcNow() + Lifetime).ToUnixTimeSeconds();
        Span<byte> body = stackalloc byte[8 + MacLength];
        BinaryPrimitives.WriteInt64BigEndian(body, expiry);
        Mac(expiry, client, body[8..]);
        Span<byte> prefix = stackalloc byte[StunNonce.PrefixLength];
        StunNonce.WritePrefix(prefix, Features);
        return System.Text.Encoding.ASCII.GetString(prefix) + Convert.ToBase64String(body).Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Checks a nonce from a request: true if this issuer made it for this client and it has not expired;
    /// <paramref name="stale"/> tells an expired-but-genuine nonce (438) from a forged one.</summary>
    public bool Validate(ReadOnlySpan<byte> nonce, IPEndPoint client, out bool stale)
    {
        stale = false;
        if (nonce.Length < StunNonce.PrefixLength || !StunNonce.TryReadSecurityFeatures(nonce, out var features) || features != Features) return false;
        string encoded = System.Text.Encoding.ASCII.GetString(nonce[StunNonce.PrefixLength..]).Replace('-', '+').Replace('_', '/');
        Span<byte> body = stackalloc byte[8 + MacLength + 4];
        if (!Convert.TryFromBase64String(encoded, body, out int written) || written != 8 + MacLength) return false;
        long expiry = BinaryPrimitives.ReadInt64BigEndian(body);
        Span<byte> expected = stackalloc byte[MacLength];
        Mac(expiry, client, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, body.Slice(8, MacLength))) return false;
        if (_time.GetUtcNow().ToUnixTimeSeconds() > expiry) { stale = true; return false; }
        return true;
    }

    private void Mac(long expiry, IPEndPoint client, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[8 + 16 + 2];
        BinaryPrimitives.WriteInt64BigEndian(input, expiry);
        var address = client.Address.IsIPv4MappedToIPv6 ? client.Address.MapToIPv4() : client.Address;
        address.TryWriteBytes(input[8..], out int length);
        BinaryPrimitives.WriteUInt16BigEndian(input[(8 + length)..], (ushort)client.Port);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_secret, input[..(8 + length + 2)], mac);
        mac[..MacLength].CopyTo(destination);
    }
}
