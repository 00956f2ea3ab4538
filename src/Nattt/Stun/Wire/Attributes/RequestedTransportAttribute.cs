namespace Nattt.Stun.Wire;

/// <summary>REQUESTED-TRANSPORT (RFC 8656 section 18.8): the IP protocol number of the relay, 17 (UDP) or, with
/// RFC 6062, 6 (TCP); then 3 reserved bytes.</summary>
public static class RequestedTransportAttribute
{
    public const StunAttributeType Type = StunAttributeType.RequestedTransport;
    public const byte Udp = 17;
    public const byte Tcp = 6;

    public static StunError Read(in StunMessageReader message, out byte protocol)
    {
        protocol = 0;
        if (!message.TryGetAttribute(Type, out var value)) return StunError.AttributeMissing;
        if (value.Length != 4) return StunError.AttributeLengthInvalid;
        protocol = value[0];
        return StunError.None;
    }

    public static bool TryWrite(ref StunMessageWriter writer, byte protocol)
    {
        if (!writer.TryReserveAttribute(Type, 4, out var value)) return false;
        value.Clear();
        value[0] = protocol;
        return true;
    }
}
