namespace Nattt.Stun.Wire;

/// <summary>RESERVATION-TOKEN (RFC 8656 section 18.10): an 8-byte token naming a relayed port reserved by EVEN-PORT.</summary>
public static class ReservationTokenAttribute
{
    public const StunAttributeType Type = StunAttributeType.ReservationToken;
    public const int Length = 8;

    /// <summary>The token as a view of the receive buffer.</summary>
    public static StunError Read(in StunMessageReader message, out ReadOnlySpan<byte> token)
    {
        token = default;
        if (!message.TryGetAttribute(Type, out var value)) return StunError.AttributeMissing;
        if (value.Length != Length) return StunError.AttributeLengthInvalid;
        token = value;
        return StunError.None;
    }

    public static bool TryWrite(ref StunMessageWriter writer, ReadOnlySpan<byte> token)
    {
        if (token.Length != Length) throw new ArgumentException("RESERVATION-TOKEN is 8 bytes.", nameof(token));
        return writer.TryWriteAttribute(Type, token);
    }
}
