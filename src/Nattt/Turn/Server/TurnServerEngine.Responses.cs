using System.Net;
using Nattt.Stun.Wire;

namespace Nattt.Turn.Server;

/// <summary>Writing responses into the engine's scratch buffer and handing them to the host.</summary>
public sealed partial class TurnServerEngine
{
    private StunMessageWriter StartResponse(in StunMessageReader request, StunClass responseClass) =>
        new(_scratch, new StunMessageType(request.Method, responseClass), request.TransactionId);

    /// <summary>Adds SOFTWARE to errors, MESSAGE-INTEGRITY if there is a key, FINGERPRINT if the request had one, and sends.</summary>
    private ReadOnlySpan<byte> Finish(ref StunMessageWriter writer, in TurnClientKey client, in StunMessageReader request, byte[]? key)
    {
        if (key is not null) writer.TryWriteMessageIntegrity(key);
        if (request.HasFingerprint) writer.TryWriteFingerprint();
        // Every response fits: the scratch buffer holds the largest STUN message.
        _io.SendToClient(client, writer.Written);
        return writer.Written;
    }

    private void SendError(in TurnClientKey client, in StunMessageReader request, int code, string reason, byte[]? key,
        ReadOnlySpan<StunAttributeType> unknown = default)
    {
        Counters.Errors[code]++;
        var writer = StartResponse(request, StunClass.ErrorResponse);
        ErrorCodeAttribute.TryWrite(ref writer, code, reason);
        if (!unknown.IsEmpty) UnknownAttributesAttribute.TryWrite(ref writer, unknown);
        SoftwareAttribute.TryWrite(ref writer, _options.Software);
        Finish(ref writer, client, request, key);
        if (code is 403 or 437 or 441 or 486 or 508 && _logLimiter.Allow())
            TurnServerLog.Refused(_logger, client.ToString(), code, reason);
    }

    /// <summary>401 or 438 with REALM and a fresh NONCE, not integrity-protected (the client has no valid key yet).</summary>
    private void SendChallenge(in TurnClientKey client, in StunMessageReader request, int code, string reason)
    {
        Counters.Errors[code]++;
        var writer = StartResponse(request, StunClass.ErrorResponse);
        ErrorCodeAttribute.TryWrite(ref writer, code, reason);
        RealmAttribute.TryWrite(ref writer, _options.Realm);
        NonceAttribute.TryWrite(ref writer, _nonces.Issue(_time.GetUtcNow()));
        SoftwareAttribute.TryWrite(ref writer, _options.Software);
        Finish(ref writer, client, request, key: null);
    }

    /// <summary>Binding success: XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS for an RFC 3489 client.</summary>
    private void SendBindingSuccess(in TurnClientKey client, in StunMessageReader request)
    {
        var id = request.IsRfc3489 ? request.CookieAndTransactionId : request.TransactionId;
        var writer = new StunMessageWriter(_scratch, StunMessageType.BindingSuccess, id);
        var mapped = new IPEndPoint(client.Client.Address.IsIPv4MappedToIPv6 ? client.Client.Address.MapToIPv4() : client.Client.Address, client.Client.Port);
        if (request.IsRfc3489) MappedAddressAttribute.TryWrite(ref writer, mapped);
        else XorMappedAddressAttribute.TryWrite(ref writer, mapped);
        SoftwareAttribute.TryWrite(ref writer, _options.Software);
        Finish(ref writer, client, request, key: null);
    }
}
