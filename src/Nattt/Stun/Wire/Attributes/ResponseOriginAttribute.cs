using System.Net;

namespace Nattt.Stun.Wire;

/// <summary>RESPONSE-ORIGIN (RFC 5780 section 7.3): the address and port the response was sent from.</summary>
public static class ResponseOriginAttribute
{
    public const StunAttributeType Type = StunAttributeType.ResponseOrigin;

    public static StunError Read(in StunMessageReader message, out IPEndPoint? endPoint) =>
        StunAddress.Read(message, Type, out endPoint);

    public static bool TryWrite(ref StunMessageWriter writer, IPEndPoint endPoint) =>
        StunAddress.TryWrite(ref writer, Type, endPoint);
}
