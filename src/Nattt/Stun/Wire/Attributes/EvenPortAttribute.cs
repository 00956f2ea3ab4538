namespace Nattt.Stun.Wire;

/// <summary>EVEN-PORT (RFC 8656 section 18.7): asks for an even relayed port; the R bit (0x80) also asks to reserve
/// the next port. One byte of value, padded.</summary>
public static class EvenPortAttribute
{
    public const StunAttributeType Type = StunAttributeType.EvenPort;

    public static StunError Read(in StunMessageReader message, out bool reserveNextPort)
    {
        reserveNextPort = false;
        if (!message.TryGetAttribute(Type, out var value)) return StunError.AttributeMissing;
        if (value.Length != 1) return StunError.AttributeLengthInvalid;
        reserveNextPort = (value[0] & 0x80) != 0;
        return StunError.None;
    }

    public static bool TryWrite(ref StunMessageWriter writer, bool reserveNextPort)
    {
        if (!writer.TryReserveAttribute(Type, 1, out var value)) return false;
        value[0] = reserveNextPort ? (byte)0x80 : (byte)0;
        return true;
    }
}
