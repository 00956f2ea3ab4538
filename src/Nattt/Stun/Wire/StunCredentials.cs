using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Nattt.Stun.Wire;

/// <summary>
/// Keys for MESSAGE-INTEGRITY and MESSAGE-INTEGRITY-SHA256 (RFC 8489 section 9) and the USERHASH value.
/// Short-term: the key is OpaqueString(password) (section 9.1.1). Long-term: the key is
/// MD5 or SHA-256 of <c>username ":" OpaqueString(realm) ":" OpaqueString(password)</c> (section 9.2.2).
/// <para>
/// String preparation: RFC 8265 profiles are approximated by <see cref="Prepare"/>: non-ASCII spaces become
/// U+0020. Unicode normalization (NFC) is NOT applied: the project runs with InvariantGlobalization, where
/// string.Normalize leaves non-ASCII text as it is; characters the profiles forbid are not rejected either.
/// ASCII credentials (the common case) are exact. RFC 5389 used SASLprep (NFKC), and the RFC 5769 vector was made
/// with it: callers with such clients pass the prepared password themselves.
/// </para>
/// Thread-safe (stateless).
/// </summary>
public static class StunCredentials
{
    /// <summary>The short-term key: the prepared password's UTF-8 bytes.</summary>
    public static byte[] ShortTermKey(string password) => Encoding.UTF8.GetBytes(Prepare(password));

    /// <summary>The long-term key for <paramref name="algorithm"/>.</summary>
    public static byte[] LongTermKey(string username, string realm, string password, StunPasswordAlgorithm algorithm = StunPasswordAlgorithm.Md5)
    {
        byte[] input = Encoding.UTF8.GetBytes(Prepare(username) + ":" + Prepare(realm) + ":" + Prepare(password));
        return algorithm switch
        {
            StunPasswordAlgorithm.Md5 => MD5.HashData(input),
            StunPasswordAlgorithm.Sha256 => SHA256.HashData(input),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Only MD5 and SHA-256 are defined (RFC 8489 section 18.5)."),
        };
    }

    /// <summary>The long-term key, with USERNAME and REALM taken from a message (UTF-8 views).</summary>
    public static byte[] LongTermKey(ReadOnlySpan<byte> usernameUtf8, ReadOnlySpan<byte> realmUtf8, string password,
        StunPasswordAlgorithm algorithm = StunPasswordAlgorithm.Md5) =>
        LongTermKey(Encoding.UTF8.GetString(usernameUtf8), Encoding.UTF8.GetString(realmUtf8), password, algorithm);

    /// <summary>USERHASH: SHA-256(username ":" realm), RFC 8489 section 14.4.</summary>
    public static byte[] UserHash(string username, string realm) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(Prepare(username) + ":" + Prepare(realm)));

    /// <summary>
    /// An approximation of the RFC 8265 OpaqueString profile (section 4.2): non-ASCII space separators become
    /// U+0020 (no NFC: see the type's remarks).
    /// </summary>
    public static string Prepare(string value)
    {
        bool ascii = true;
        foreach (char c in value) ascii &= c < 0x80;
        if (ascii) return value;
        var builder = new StringBuilder(value.Length);
        foreach (char c in value)
            builder.Append(c >= 0x80 && CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.SpaceSeparator ? ' ' : c);
        return builder.ToString();
    }
}
