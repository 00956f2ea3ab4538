using System.Buffers.Binary;

namespace Nattt.Stun.Wire;

/// <summary>ICMP (RFC 8656 section 18.13): an ICMP error a relay received for a peer, carried in a Data indication:
/// 2 reserved bytes, ICMP type, ICMP code, 4 bytes of error data (e.g. the MTU of "fragmentation needed").</summary>
public static class IcmpAttribute
{
    public const StunAttributeType Type = StunAttributeType.Icmp;

    public static StunError Read(in StunMessageReader message, out byte icmpType, out byte icmpCode, out uint errorData)
    {
        icmpType = icmpCode = 0;
        errorData = 0;
        if (!message.TryGetAttribute(Type, out var value)) return StunError.AttributeMissing;
        if (value.Length != 8) return StunError.AttributeLengthInvalid;
        icmpType = value[2];
        icmpCode = value[3];
        errorData = BinaryPrimitives.ReadUInt32BigEndian(value[4..]);
        return StunError.None;
    }

    public static bool TryWrite(ref StunMessageWriter writer, byte icmpType, byte icmpCode, uint errorData)
    {
        if (!writer.TryReserveAttribute(Type, 8, out var value)) return false;
        value[0] = value[1] = 0;
        value[2] = icmpType;
        value[3] = icmpCode;
        BinaryPrimitives.WriteUInt32BigEndian(value[4..], errorData);
        return true;
    }
}
