using System.Buffers.Binary;
using System.Buffers.Text;

namespace Nattt.Stun.Wire;

/// <summary>The STUN Security Feature Set carried in a nonce (RFC 8489 section 9.2, registry in section 18.1).
/// Bit 0 is the least significant bit (RFC 8489 erratum 6290; the Appendix B nonce "obMatJos2AAAC" agrees).</summary>
[Flags]
public enum StunSecurityFeatures : uint
{
    None = 0,
    /// <summary>Bit 0: the server offers PASSWORD-ALGORITHMS and expects PASSWORD-ALGORITHM back.</summary>
    PasswordAlgorithms = 1 << 0,
    /// <summary>Bit 1: the server accepts USERHASH instead of USERNAME.</summary>
    UsernameAnonymity = 1 << 1,
}

/// <summary>
/// The nonce cookie of RFC 8489 section 9.2: a nonce starting with "obMatJos2" followed by 4 base64 characters of
/// a 24-bit Security Feature Set tells an RFC 8489 client which features the server offered, so that a
/// man in the middle cannot strip PASSWORD-ALGORITHMS (bid-down) without the mismatch being noticed.
/// </summary>
public static class StunNonce
{
    /// <summary>"obMatJos2": the nonce cookie.</summary>
    public static ReadOnlySpan<byte> Cookie => "obMatJos2"u8;

    /// <summary>The cookie plus the 4 base64 characters of the feature set.</summary>
    public const int PrefixLength = 13;

    /// <summary>True if <paramref name="nonce"/> starts with the cookie and a decodable feature set.</summary>
    public static bool TryReadSecurityFeatures(ReadOnlySpan<byte> nonce, out StunSecurityFeatures features)
    {
        features = StunSecurityFeatures.None;
        if (nonce.Length < PrefixLength || !nonce.StartsWith(Cookie)) return false;
        Span<byte> bits = stackalloc byte[3];
        var status = Base64.DecodeFromUtf8(nonce.Slice(Cookie.Length, 4), bits, out _, out int written);
        if (status != System.Buffers.OperationStatus.Done || written != 3) return false;
        features = (StunSecurityFeatures)((uint)bits[0] << 16 | (uint)bits[1] << 8 | bits[2]);
        return true;
    }

    /// <summary>
    /// Writes "obMatJos2" + base64(features) into <paramref name="destination"/> (at least 13 bytes) and returns
    /// 13; the server appends its own opaque part after it.
    /// </summary>
    public static int WritePrefix(Span<byte> destination, StunSecurityFeatures features)
    {
        if (destination.Length < PrefixLength) throw new ArgumentException("The nonce prefix is 13 bytes.", nameof(destination));
        Cookie.CopyTo(destination);
        Span<byte> bits = stackalloc byte[3];
        bits[0] = (byte)((uint)features >> 16);
        bits[1] = (byte)((uint)features >> 8);
        bits[2] = (byte)features;
        Base64.EncodeToUtf8(bits, destination[Cookie.Length..], out _, out _);
        return PrefixLength;
    }
}
