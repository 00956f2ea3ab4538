namespace Nattt.Stun.Wire;

/// <summary>
/// USERHASH (RFC 8489 section 14.4): SHA-256 of <c>OpaqueString(username) ":" OpaqueString(realm)</c>, sent instead
/// of USERNAME when the server offered username anonymity. See <see cref="StunCredentials.UserHash"/>.
/// </summary>
public static class UserHashAttribute
{
    public const StunAttributeType Type = StunAttributeType.UserHash;
    public const int Length = 32;

    /// <summary>The 32-byte hash as a view of the receive buffer.</summary>
    public static StunError Read(in StunMessageReader message, out ReadOnlySpan<byte> hash)
    {
        hash = default;
        if (!message.TryGetAttribute(Type, out var value)) return StunError.AttributeMissing;
        if (value.Length != Length) return StunError.AttributeLengthInvalid;
        hash = value;
        return StunError.None;
    }

    public static bool TryWrite(ref StunMessageWriter writer, ReadOnlySpan<byte> hash)
    {
        if (hash.Length != Length) throw new ArgumentException("USERHASH is 32 bytes.", nameof(hash));
        return writer.TryWriteAttribute(Type, hash);
    }
}
