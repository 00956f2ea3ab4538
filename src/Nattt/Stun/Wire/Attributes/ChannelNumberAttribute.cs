using System.Buffers.Binary;

namespace Nattt.Stun.Wire;

/// <summary>
/// CHANNEL-NUMBER (RFC 8656 section 18.1): a 16-bit channel number (0x4000..0x4FFF, section 12) then 16 reserved
/// bits. Numbers outside that range are reported as <see cref="StunError.ChannelNumberOutOfRange"/> with the value
/// still returned, so a server can answer 400.
/// </summary>
public static class ChannelNumberAttribute
{
    public const StunAttributeType Type = StunAttributeType.ChannelNumber;
    public const ushort Min = 0x4000;
    public const ushort Max = 0x4FFF;

    public static bool IsValid(ushort channel) => channel is >= Min and <= Max;

    public static StunError Read(in StunMessageReader message, out ushort channel)
    {
        channel = 0;
        if (!message.TryGetAttribute(Type, out var value)) return StunError.AttributeMissing;
        if (value.Length != 4) return StunError.AttributeLengthInvalid;
        channel = BinaryPrimitives.ReadUInt16BigEndian(value);
        return IsValid(channel) ? StunError.None : StunError.ChannelNumberOutOfRange;
    }

    public static bool TryWrite(ref StunMessageWriter writer, ushort channel)
    {
        if (!writer.TryReserveAttribute(Type, 4, out var value)) return false;
        BinaryPrimitives.WriteUInt16BigEndian(value, channel);
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], 0);
        return true;
    }
}
