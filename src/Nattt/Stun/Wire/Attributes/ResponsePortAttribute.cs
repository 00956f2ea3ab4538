using System.Buffers.Binary;

namespace Nattt.Stun.Wire;

/// <summary>
/// RESPONSE-PORT (RFC 5780 section 7.5): a 16-bit port (then 16 bits of padding) the client asks the answer to be
/// sent to, on the same IP address; used to test filtering with one client port and binding lifetime (section 4.6).
/// </summary>
public static class ResponsePortAttribute
{
    public const StunAttributeType Type = StunAttributeType.ResponsePort;

    public static StunError Read(in StunMessageReader message, out ushort port)
    {
        port = 0;
        if (!message.TryGetAttribute(Type, out var value)) return StunError.AttributeMissing;
        if (value.Length != 4) return StunError.AttributeLengthInvalid;
        port = BinaryPrimitives.ReadUInt16BigEndian(value);
        return StunError.None;
    }

    public static bool TryWrite(ref StunMessageWriter writer, ushort port)
    {
        if (!writer.TryReserveAttribute(Type, 4, out var value)) return false;
        BinaryPrimitives.WriteUInt16BigEndian(value, port);
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], 0);
        return true;
    }
}
