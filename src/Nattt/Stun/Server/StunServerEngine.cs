using System.Net;
using Nattt.Stun.Auth;
using Nattt.Stun.Wire;

namespace Nattt.Stun.Server;

/// <summary>How a request reached the server.</summary>
public enum StunTransport : byte
{
    Udp,
    Tcp,
    Tls,
}

/// <summary>
/// What the engine decided for one datagram or frame: a response of <see cref="Length"/> bytes to send from
/// <see cref="SendFrom"/> to <see cref="SendTo"/>, or a drop with its reason (Length 0).
/// </summary>
public readonly record struct StunServerReply(int Length, StunServerEndpointId SendFrom, IPEndPoint? SendTo,
    StunServerDropReason Drop, StunError Error)
{
    public bool IsDrop => Length == 0;

    internal static StunServerReply Dropped(StunServerDropReason reason, StunError error = StunError.None) =>
        new(0, default, null, reason, error);
}

/// <summary>
/// A sans-I/O STUN Binding server (RFC 8489 section 6.3, RFC 5780 section 6, RFC 3489 section 8): request bytes
/// in, response bytes out, with the local endpoint to send from. No sockets, no clock, no logging: hosts add those.
/// <list type="bullet">
/// <item>RFC 5389/8489 requests get XOR-MAPPED-ADDRESS; with an alternate address also OTHER-ADDRESS and
/// RESPONSE-ORIGIN, and CHANGE-REQUEST is answered from the other IP and/or port.</item>
/// <item>RFC 3489 requests (no magic cookie) get MAPPED-ADDRESS, SOURCE-ADDRESS and, with an alternate address,
/// CHANGED-ADDRESS, under their 128-bit transaction ID. RESPONSE-ADDRESS is not honoured (it would let anyone
/// aim our answers at a third party).</item>
/// <item>Unknown comprehension-required attributes get 420 with UNKNOWN-ATTRIBUTES; other methods get 400;
/// responses, indications, malformed input and bad FINGERPRINTs are dropped and counted.</item>
/// </list>
/// Thread-safe: stateless apart from its atomic <see cref="Counters"/>.
/// </summary>
public sealed class StunServerEngine
{
    /// <summary>Big enough for any response this engine writes without PADDING.</summary>
    public const int MinResponseBuffer = 548;

    private readonly StunServerAddresses _addresses;
    private readonly StunServerOptions _options;

    public StunServerEngine(StunServerAddresses addresses, StunServerOptions? options = null)
    {
        _addresses = addresses ?? throw new ArgumentNullException(nameof(addresses));
        _options = options ?? new StunServerOptions();
        if (_options.Software is { Length: > SoftwareAttribute.MaxBytes })
            throw new ArgumentException("SOFTWARE is limited to 763 bytes.", nameof(options));
    }

    public StunServerAddresses Addresses => _addresses;
    public StunServerCounters Counters { get; } = new();

    /// <summary>
    /// Handles one request that arrived on <paramref name="arrivedOn"/> from <paramref name="remote"/>; writes the
    /// response into <paramref name="response"/> (at least <see cref="MinResponseBuffer"/> bytes; as large as the
    /// request for PADDING to be honoured).
    /// </summary>
    public StunServerReply Handle(ReadOnlySpan<byte> request, IPEndPoint remote, StunServerEndpointId arrivedOn,
        StunTransport transport, Span<byte> response)
    {
        var error = StunMessageReader.TryParse(request, out var message);
        if (error != StunError.None) return Drop(StunServerDropReason.Malformed, error);
        if (message.Class != StunClass.Request) return Drop(StunServerDropReason.NotARequest);
        if (message.HasFingerprint && !message.IsFingerprintValid()) return Drop(StunServerDropReason.FingerprintMismatch);

        var changeError = ChangeRequestAttribute.Read(message, out var change);
        Counters.CountRequest(message.IsRfc3489, changeError == StunError.None && change != StunChangeRequest.None);
        if (message.Method != StunMethod.Binding) return Error(message, remote, arrivedOn, response, 400, "Bad Request");
        if (changeError is not (StunError.None or StunError.AttributeMissing))
            return Error(message, remote, arrivedOn, response, 400, "Bad Request: CHANGE-REQUEST");

        var auth = default(StunAuthResult);
        if (_options.Authenticator is { } authenticator)
        {
            auth = authenticator.Check(message, remote);
            if (auth.Outcome != StunAuthOutcome.Authenticated) return Challenge(message, remote, arrivedOn, response, authenticator, auth);
        }

        bool udp = transport == StunTransport.Udp;
        bool canChange = udp && _addresses.SupportsBehaviourDiscovery;
        Span<StunAttributeType> unknown = stackalloc StunAttributeType[8];
        int unknownCount = Math.Min(message.GetUnknownComprehensionRequired(unknown[..5]), 5);
        // A change we cannot make is "not understood" (RFC 5780 section 6.1); a zero CHANGE-REQUEST (RFC 3489
        // clients send one in every test) asks for nothing and is always fine.
        if (change != StunChangeRequest.None && !canChange) unknown[unknownCount++] = StunAttributeType.ChangeRequest;
        if (!(udp && _options.AllowResponsePort) && message.Has(StunAttributeType.ResponsePort)) unknown[unknownCount++] = StunAttributeType.ResponsePort;
        if (message.Has(StunAttributeType.ResponseAddress)) unknown[unknownCount++] = StunAttributeType.ResponseAddress;
        if (unknownCount > 0)
            return Error(message, remote, arrivedOn, response, 420, "Unknown Attribute", unknown[..unknownCount]);

        var sendTo = remote;
        if (udp && _options.AllowResponsePort && ResponsePortAttribute.Read(message, out ushort port) is var portError && portError != StunError.AttributeMissing)
        {
            if (portError != StunError.None || port == 0) return Error(message, remote, arrivedOn, response, 400, "Bad Request: RESPONSE-PORT");
            sendTo = new IPEndPoint(remote.Address, port);
        }

        var sendFrom = arrivedOn;
        if (canChange && (change & StunChangeRequest.ChangeIP) != 0) sendFrom = sendFrom with { AlternateIp = !sendFrom.AlternateIp };
        if (canChange && (change & StunChangeRequest.ChangePort) != 0) sendFrom = sendFrom with { AlternatePort = !sendFrom.AlternatePort };

        int length = WriteSuccess(message, request.Length, remote, arrivedOn, sendFrom, udp, auth, response);
        if (length == 0) return Drop(StunServerDropReason.ResponseTooLarge);
        Counters.CountSuccess();
        return new StunServerReply(length, sendFrom, sendTo, StunServerDropReason.None, StunError.None);
    }

    private int WriteSuccess(in StunMessageReader request, int requestLength, IPEndPoint remote,
        StunServerEndpointId arrivedOn, StunServerEndpointId sendFrom, bool udp, in StunAuthResult auth, Span<byte> response)
    {
        bool legacy = request.IsRfc3489;
        var w = new StunMessageWriter(response, StunMessageType.BindingSuccess, legacy ? request.CookieAndTransactionId : request.TransactionId);
        if (legacy)
        {
            MappedAddressAttribute.TryWrite(ref w, remote);
            SourceAddressAttribute.TryWrite(ref w, _addresses[sendFrom]);
            if (_addresses.SupportsBehaviourDiscovery) ChangedAddressAttribute.TryWrite(ref w, _addresses[arrivedOn.Other]);
        }
        else
        {
            XorMappedAddressAttribute.TryWrite(ref w, remote);
            if (_options.IncludeMappedAddress) MappedAddressAttribute.TryWrite(ref w, remote);
            if (_addresses.SupportsBehaviourDiscovery)
            {
                OtherAddressAttribute.TryWrite(ref w, _addresses[arrivedOn.Other]);
                ResponseOriginAttribute.TryWrite(ref w, _addresses[sendFrom]);
            }
        }
        if (!string.IsNullOrEmpty(_options.Software)) SoftwareAttribute.TryWrite(ref w, _options.Software);
        bool fingerprint = request.HasFingerprint && !legacy;
        if (udp && _options.AllowPadding && request.Has(StunAttributeType.Padding))
        {
            // Pad to the request's size, never beyond: PADDING must not turn us into an amplifier.
            int tail = StunConstants.AttributeHeaderLength + (fingerprint ? 8 : 0) + (auth.Key is null ? 0 : 36);
            int padding = requestLength - w.BytesWritten - tail;
            if (padding > 0) PaddingAttribute.TryWrite(ref w, padding & ~3);
        }
        if (auth.Key is not null)
        {
            // Sign with the algorithm the client used (RFC 8489 section 9.2.4).
            if (auth.UseSha256Integrity) w.TryWriteMessageIntegritySha256(auth.Key);
            else w.TryWriteMessageIntegrity(auth.Key);
        }
        if (fingerprint) w.TryWriteFingerprint();
        return w.HasOverflowed ? 0 : w.BytesWritten;
    }

    private StunServerReply Error(in StunMessageReader request, IPEndPoint remote, StunServerEndpointId arrivedOn,
        Span<byte> response, int code, string reason, ReadOnlySpan<StunAttributeType> unknown = default)
    {
        bool legacy = request.IsRfc3489;
        var w = new StunMessageWriter(response, request.Type.AsError(), legacy ? request.CookieAndTransactionId : request.TransactionId);
        ErrorCodeAttribute.TryWrite(ref w, code, reason);
        if (!unknown.IsEmpty) UnknownAttributesAttribute.TryWrite(ref w, unknown);
        if (!string.IsNullOrEmpty(_options.Software)) SoftwareAttribute.TryWrite(ref w, _options.Software);
        if (request.HasFingerprint && !legacy) w.TryWriteFingerprint();
        if (w.HasOverflowed) return Drop(StunServerDropReason.ResponseTooLarge);
        Counters.CountError();
        return new StunServerReply(w.BytesWritten, arrivedOn, remote, StunServerDropReason.None, StunError.None);
    }

    private StunServerReply Challenge(in StunMessageReader request, IPEndPoint remote, StunServerEndpointId arrivedOn,
        Span<byte> response, StunLongTermAuthenticator authenticator, in StunAuthResult auth)
    {
        Counters.CountAuthenticationFailure();
        bool legacy = request.IsRfc3489;
        var w = new StunMessageWriter(response, request.Type.AsError(), legacy ? request.CookieAndTransactionId : request.TransactionId);
        authenticator.TryWriteChallenge(ref w, auth, remote);
        if (!string.IsNullOrEmpty(_options.Software)) SoftwareAttribute.TryWrite(ref w, _options.Software);
        if (request.HasFingerprint && !legacy) w.TryWriteFingerprint();
        if (w.HasOverflowed) return Drop(StunServerDropReason.ResponseTooLarge);
        Counters.CountError();
        return new StunServerReply(w.BytesWritten, arrivedOn, remote, StunServerDropReason.None, StunError.None);
    }

    private StunServerReply Drop(StunServerDropReason reason, StunError error = StunError.None)
    {
        Counters.CountDrop(reason, error);
        return StunServerReply.Dropped(reason, error);
    }
}
