namespace Nattt.Stun.Wire;

/// <summary>DATA (RFC 8656 section 18.4): the application payload of Send and Data indications.</summary>
public static class DataAttribute
{
    public const StunAttributeType Type = StunAttributeType.Data;

    /// <summary>The payload as a view of the receive buffer.</summary>
    public static StunError Read(in StunMessageReader message, out ReadOnlySpan<byte> data)
    {
        data = default;
        if (!message.TryGetAttribute(Type, out var value)) return StunError.AttributeMissing;
        data = value;
        return StunError.None;
    }

    public static bool TryWrite(ref StunMessageWriter writer, ReadOnlySpan<byte> data) => writer.TryWriteAttribute(Type, data);

    /// <summary>Reserves space for a payload to be written in place (e.g. received straight from a socket).</summary>
    public static bool TryReserve(ref StunMessageWriter writer, int length, out Span<byte> data) =>
        writer.TryReserveAttribute(Type, length, out data);
}
