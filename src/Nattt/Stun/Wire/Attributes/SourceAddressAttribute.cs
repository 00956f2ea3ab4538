using System.Net;

namespace Nattt.Stun.Wire;

/// <summary>SOURCE-ADDRESS (RFC 3489 section 11.2.5): the classic form of RESPONSE-ORIGIN: the address and port the response was sent from.</summary>
public static class SourceAddressAttribute
{
    public const StunAttributeType Type = StunAttributeType.SourceAddress;

    public static StunError Read(in StunMessageReader message, out IPEndPoint? endPoint) =>
        StunAddress.Read(message, Type, out endPoint);

    public static bool TryWrite(ref StunMessageWriter writer, IPEndPoint endPoint) =>
        StunAddress.TryWrite(ref writer, Type, endPoint);
}
