using System.Buffers.Binary;

namespace Nattt.Stun.Wire;

/// <summary>Fixed-size numeric attribute values (LIFETIME, CONNECTION-ID, PRIORITY, CACHE-TIMEOUT, ...).</summary>
public static class StunUInt32
{
    public static StunError Read(in StunMessageReader message, StunAttributeType type, out uint number)
    {
        number = 0;
        if (!message.TryGetAttribute(type, out var value)) return StunError.AttributeMissing;
        if (value.Length != 4) return StunError.AttributeLengthInvalid;
        number = BinaryPrimitives.ReadUInt32BigEndian(value);
        return StunError.None;
    }

    public static bool TryWrite(ref StunMessageWriter writer, StunAttributeType type, uint number)
    {
        if (!writer.TryReserveAttribute(type, 4, out var value)) return false;
        BinaryPrimitives.WriteUInt32BigEndian(value, number);
        return true;
    }
}
